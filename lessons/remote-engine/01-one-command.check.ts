import { createdInstead, containerName, defineCheck, notYet, passed, requireCatalogImage, shortId } from '#check';

const NAME = 'remote-web';

export default defineCheck(async (ctx) => {
  const expected = 'remote-web running from nginx on remote-docker-engine, started from node1 over TCP 2375';
  const [remote, local, creates] = await Promise.all([
    ctx.container('remote-docker-engine', NAME),
    ctx.container('node1', NAME),
    // The containers node1 made there over TCP, by id: `docker -H … ps`, or a create of another
    // container, followed by a run in the remote node's own shell must not pass.
    ctx.engineCreates('node1', 'remote-docker-engine'),
  ]);
  const nginx = await requireCatalogImage(ctx, 'nginx');
  if (!remote) {
    if (local) return notYet('on-node1', { expected, found: 'remote-web exists on node1, not on remote-docker-engine' });
    const others = await ctx.engine('remote-docker-engine').listContainers();
    const other = others.find((c) => c.ImageID === nginx);
    if (other) return notYet('wrong-name', { expected, found: `an nginx container named ${containerName(other)} on remote-docker-engine` });
    return notYet('no-container', { expected, found: 'no container named remote-web on remote-docker-engine' });
  }
  if (remote.Image !== nginx) {
    return notYet('wrong-image', { expected, found: `remote-web was created from ${remote.Config.Image}, image ${shortId(remote.Image)}; nginx is ${shortId(nginx)}` });
  }
  if (!remote.State.Running) return notYet('not-running', { expected, found: `remote-web is ${remote.State.Status}` });
  if (!creates.some((c) => c.id === remote.Id)) {
    return notYet('not-via-tcp', { expected, found: `remote-web runs, but ${createdInstead('node1', creates, NAME, remote.Id)}` });
  }
  if (local) return notYet('also-on-node1', { expected, found: 'remote-web runs on remote-docker-engine and also exists on node1' });
  return passed({ found: `remote-web (${shortId(remote.Id)}) runs on remote-docker-engine, created by node1 over TCP 2375` });
});
