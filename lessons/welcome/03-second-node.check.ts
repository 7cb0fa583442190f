import { defineCheck, notYet, passed, requireCatalogImage, shortId } from '#check';

const NAME = 'web';

export default defineCheck(async (ctx) => {
  const expected = 'web running from nginx on remote-docker-engine, and no web on node1';
  const [remote, local] = await Promise.all([
    ctx.container('remote-docker-engine', NAME),
    ctx.container('node1', NAME),
  ]);
  if (!remote) {
    if (local) return notYet('on-node1', { expected, found: 'web exists on node1 only' });
    return notYet('no-container', { expected, found: 'no container named web on remote-docker-engine' });
  }
  const nginx = await requireCatalogImage(ctx, 'nginx');
  if (remote.Image !== nginx) {
    return notYet('wrong-image', { expected, found: `web on remote-docker-engine was created from ${remote.Config.Image}, image ${shortId(remote.Image)}; nginx is ${shortId(nginx)}` });
  }
  if (!remote.State.Running) return notYet('not-running', { expected, found: `web on remote-docker-engine is ${remote.State.Status}` });
  if (local) return notYet('also-on-node1', { expected, found: 'web runs on remote-docker-engine and also exists on node1' });
  return passed({ found: 'web (nginx) running on remote-docker-engine only' });
});
