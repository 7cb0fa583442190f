import { defineCheck, notYet, passed } from '#check';

const NAME = 'env-made';
const API_PORT = 2375;

export default defineCheck(async (ctx) => {
  const expected = 'env-made running on remote-docker-engine, started from node1 over TCP 2375';
  const [remote, local, connects] = await Promise.all([
    ctx.container('remote-docker-engine', NAME),
    ctx.container('node1', NAME),
    ctx.tcpConnects('node1', 'remote-docker-engine', API_PORT),
  ]);
  if (!remote) {
    if (local) return notYet('on-node1', { expected, found: 'env-made exists on node1, not on remote-docker-engine' });
    return notYet('no-container', { expected, found: 'no container named env-made on remote-docker-engine' });
  }
  if (!remote.State.Running) return notYet('not-running', { expected, found: `env-made is ${remote.State.Status}` });
  if (local) return notYet('also-on-node1', { expected, found: 'env-made runs on remote-docker-engine and also exists on node1' });
  if (connects === 0) return notYet('not-via-tcp', { expected, found: 'env-made runs, but node1 never connected to remote-docker-engine:2375' });
  return passed({ found: 'env-made runs on remote-docker-engine' });
});
