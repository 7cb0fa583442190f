import { containerName, defineCheck, notYet, passed, sameImage } from '#check';

const NAME = 'remote-web';
const IMAGE = 'docker.io/library/nginx:latest';
const API_PORT = 2375;

export default defineCheck(async (ctx) => {
  const expected = 'remote-web running from nginx on remote-docker-engine, started from node1 over TCP 2375';
  const [remote, local, connects] = await Promise.all([
    ctx.container('remote-docker-engine', NAME),
    ctx.container('node1', NAME),
    ctx.tcpConnects('node1', 'remote-docker-engine', API_PORT),
  ]);
  if (!remote) {
    if (local) return notYet('on-node1', { expected, found: 'remote-web exists on node1, not on remote-docker-engine' });
    const others = await ctx.engine('remote-docker-engine').listContainers();
    const nginx = others.find((c) => sameImage(c.Image, IMAGE));
    if (nginx) return notYet('wrong-name', { expected, found: `an nginx container named ${containerName(nginx)} on remote-docker-engine` });
    return notYet('no-container', { expected, found: 'no container named remote-web on remote-docker-engine' });
  }
  if (!sameImage(remote.Config.Image, IMAGE)) return notYet('wrong-image', { expected, found: `remote-web runs ${remote.Config.Image}` });
  if (!remote.State.Running) return notYet('not-running', { expected, found: `remote-web is ${remote.State.Status}` });
  if (connects === 0) return notYet('not-via-tcp', { expected, found: 'remote-web runs, but node1 never connected to remote-docker-engine:2375' });
  if (local) return notYet('also-on-node1', { expected, found: 'remote-web runs on remote-docker-engine and also exists on node1' });
  return passed({ found: `remote-web runs on remote-docker-engine; node1 made ${connects} TCP connection(s) to port 2375` });
});
