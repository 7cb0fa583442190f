import { defineCheck, normalizeRef, notYet, passed } from '#check';

const NAME = 'site';
const IMAGE = 'docker.io/library/nginx:latest';
const HTTP_TIMEOUT_S = '2';

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
  const expected = 'site running from nginx on node1, its port 80 published and answering';
  const site = await ctx.engine('node1').getContainer(NAME).inspect().catch(absent);
  if (!site) {
    const remote = await ctx.engine('remote-docker-engine').getContainer(NAME).inspect().catch(absent);
    if (remote) return notYet('on-remote', { expected, found: 'site exists on remote-docker-engine, not on node1' });
    return notYet('no-container', { expected, found: 'no container named site on node1' });
  }
  if (!sameImage(site.Config.Image)) return notYet('wrong-image', { expected, found: `site runs ${site.Config.Image}` });
  if (!site.State.Running) return notYet('not-running', { expected, found: `site is ${site.State.Status}` });
  const bindings = site.NetworkSettings.Ports?.['80/tcp'] ?? [];
  const port = bindings.find((b) => b.HostPort)?.HostPort;
  if (!port) return notYet('not-published', { expected, found: 'site runs, port 80 is not published' });
  const curl = await ctx.exec('node1', [
    'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', HTTP_TIMEOUT_S, `http://localhost:${port}/`,
  ]);
  if (curl.stdout.trim() !== '200') {
    return notYet('not-serving', { expected, found: `localhost:${port} answered ${curl.stdout.trim() || 'nothing'}` });
  }
  return passed({ found: `site (nginx) serves on node1 port ${port}` });
});
