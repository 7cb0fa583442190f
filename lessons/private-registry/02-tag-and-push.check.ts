import { defineCheck, normalizeRef, notYet, passed, sameImage } from '#check';

const REPO = 'my-image';
const LOCAL = 'localhost:5000/my-image:latest';

export default defineCheck(async (ctx) => {
  const expected = 'my-image:latest in the registry on node1:5000';
  const registry = ctx.registry('node1');
  const catalog = await registry.catalog();
  if (catalog === undefined) return notYet('no-registry', { expected, found: 'nothing answers on node1:5000' });
  const tags = catalog.includes(REPO) ? await registry.tags(REPO) : undefined;
  if (tags?.includes('latest')) return passed({ found: `registry has ${REPO}:${tags.join(', ')}` });
  if (tags !== undefined) return notYet('wrong-tag', { expected, found: `registry has ${REPO} with the tag ${tags.join(', ') || 'none'}, not latest` });

  const images = await ctx.engine('node1').listImages();
  const names = images.flatMap((i) => i.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  if (names.includes(LOCAL)) return notYet('not-pushed', { expected, found: `${LOCAL} on node1; registry: ${catalog.join(', ') || 'empty'}` });
  const hubName = names.find((t) => sameImage(t, REPO));
  if (hubName) return notYet('no-host', { expected, found: `${hubName} on node1 (that is ${normalizeRef(hubName)}); registry: ${catalog.join(', ') || 'empty'}` });
  if (catalog.length > 0) return notYet('wrong-name', { expected, found: `registry has ${catalog.join(', ')}` });
  return notYet('not-tagged', { expected, found: `no ${LOCAL} on node1; registry is empty` });
});
