import { createdInstead, defineCheck, notYet, passed, shortId } from '#check';

const NAME = 'env-made';

export default defineCheck(async (ctx) => {
  const expected = 'env-made running on remote-docker-engine, started from node1 over TCP 2375';
  const [remote, local, creates] = await Promise.all([
    ctx.container('remote-docker-engine', NAME),
    ctx.container('node1', NAME),
    ctx.engineCreates('node1', 'remote-docker-engine'),
  ]);
  if (!remote) {
    if (local) return notYet('on-node1', { expected, found: 'env-made exists on node1, not on remote-docker-engine' });
    return notYet('no-container', { expected, found: 'no container named env-made on remote-docker-engine' });
  }
  if (!remote.State.Running) return notYet('not-running', { expected, found: `env-made is ${remote.State.Status}` });
  if (local) return notYet('also-on-node1', { expected, found: 'env-made runs on remote-docker-engine and also exists on node1' });
  // This container, by id, made by node1 over TCP: not any create, not a connection.
  if (!creates.some((c) => c.id === remote.Id)) {
    return notYet('not-via-tcp', { expected, found: `env-made runs, but ${createdInstead('node1', creates, NAME, remote.Id)}` });
  }
  return passed({ found: `env-made (${shortId(remote.Id)}) runs on remote-docker-engine, created by node1 over TCP 2375` });
});
