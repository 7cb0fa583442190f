import { defineCheck, notYet, passed } from '#check';

const NAME = 'registry';
const PORT = '5000';

export default defineCheck(async (ctx) => {
  const expected = 'a registry on node1 answering on port 5000';
  const catalog = await ctx.registry('node1', Number(PORT)).catalog();
  if (catalog !== undefined) return passed({ found: `registry on node1:5000 with ${catalog.length} repositories` });
  const reg = await ctx.container('node1', NAME);
  if (!reg) {
    const remote = await ctx.container('remote-docker-engine', NAME);
    if (remote) return notYet('on-remote', { expected, found: 'registry exists on remote-docker-engine, not on node1' });
    return notYet('no-container', { expected, found: 'no container named registry on node1' });
  }
  if (!reg.State.Running) return notYet('not-running', { expected, found: `registry is ${reg.State.Status}` });
  const published = Object.values(reg.NetworkSettings.Ports ?? {}).flatMap((b) => b ?? []).map((b) => b.HostPort);
  if (published.length === 0) return notYet('not-published', { expected, found: 'registry runs, no port published' });
  if (!published.includes(PORT)) return notYet('wrong-port', { expected, found: `registry published on node1 port ${published.join(', ')}` });
  return notYet('not-answering', { expected, found: 'nothing answers on node1:5000 yet' });
});
