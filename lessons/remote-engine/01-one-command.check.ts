import { defineCheck, normalizeRef, notYet, passed } from '#check';

const NAME = 'remote-web';
const IMAGE = 'docker.io/library/nginx:latest';
const API_PORT = 2375;

/** dockerode rejects with statusCode 404 when there is no such container. */
function absent(err: { statusCode?: number }): undefined {
  if (err.statusCode === 404) return undefined;
  throw err;
}

function sameImage(ref: string): boolean {
  try {
    return normalizeRef(ref) === IMAGE;
  } catch {
    return false;
  }
}

export default defineCheck(async (ctx) => {
  const expected = 'remote-web running from nginx on remote-docker-engine, started from node1 over TCP 2375';
  const remoteEngine = ctx.engine('remote-docker-engine');
  const [remote, local, connects] = await Promise.all([
    remoteEngine.getContainer(NAME).inspect().catch(absent),
    ctx.engine('node1').getContainer(NAME).inspect().catch(absent),
    ctx.tcpConnects('node1', 'remote-docker-engine', API_PORT),
  ]);
  if (!remote) {
    if (local) return notYet('on-node1', { expected, found: 'remote-web exists on node1, not on remote-docker-engine' });
    const others = await remoteEngine.listContainers();
    const nginx = others.find((c) => sameImage(c.Image));
    if (nginx) return notYet('wrong-name', { expected, found: `an nginx container named ${nginx.Names[0]?.replace(/^\//, '') ?? '?'} on remote-docker-engine` });
    return notYet('no-container', { expected, found: 'no container named remote-web on remote-docker-engine' });
  }
  if (!sameImage(remote.Config.Image)) return notYet('wrong-image', { expected, found: `remote-web runs ${remote.Config.Image}` });
  if (!remote.State.Running) return notYet('not-running', { expected, found: `remote-web is ${remote.State.Status}` });
  if (connects === 0) return notYet('not-via-tcp', { expected, found: 'remote-web runs, but node1 never connected to remote-docker-engine:2375' });
  if (local) return notYet('also-on-node1', { expected, found: 'remote-web runs on remote-docker-engine and also exists on node1' });
  return passed({ found: `remote-web runs on remote-docker-engine; node1 made ${connects} TCP connection(s) to port 2375` });
});
