import { containerName, defineCheck, notYet, passed, sameImage } from '#check';

const NAME = 'remote-web';
const IMAGE = 'docker.io/library/nginx:latest';

export default defineCheck(async (ctx) => {
  const expected = 'remote-web running from nginx on remote-docker-engine, started from node1 over TCP 2375';
  const [remote, local, creates] = await Promise.all([
    ctx.container('remote-docker-engine', NAME),
    ctx.container('node1', NAME),
    // Create requests, not just connections: `docker -H … ps` followed by a run in the remote
    // node's own shell must not pass.
    ctx.engineCreates('node1', 'remote-docker-engine'),
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
  if (creates === 0) return notYet('not-via-tcp', { expected, found: 'remote-web runs, but node1 never sent remote-docker-engine:2375 a request to create a container' });
  if (local) return notYet('also-on-node1', { expected, found: 'remote-web runs on remote-docker-engine and also exists on node1' });
  return passed({ found: `remote-web runs on remote-docker-engine; node1 sent ${creates} create request(s) over TCP 2375` });
});
