import { defineCheck, notYet, passed } from '#check';

const REPO = 'my-image';
const LOCAL = 'localhost:5000/my-image:latest';

export default defineCheck(async (ctx) => {
  const expected = `no ${LOCAL} on node1, my-image still in the registry`;
  const tags = await ctx.registry('node1').tags(REPO);
  if (tags === undefined) {
    const catalog = await ctx.registry('node1').catalog();
    if (catalog === undefined) return notYet('no-registry', { expected, found: 'nothing answers on node1:5000' });
    return notYet('registry-lost', { expected, found: `registry has ${catalog.join(', ') || 'nothing'}` });
  }
  const images = await ctx.engine('node1').listImages({ filters: { reference: [LOCAL] } });
  if (images.length > 0) return notYet('still-local', { expected, found: `${LOCAL} is still on node1` });
  return passed({ found: `node1 has no ${LOCAL}; the registry has ${REPO}:${tags.join(', ')}` });
});
