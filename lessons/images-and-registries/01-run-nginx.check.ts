import { defineCheck, notYet, passed, requireCatalogImage, shortId } from '#check';

const NAME = 'site';
const HTTP_TIMEOUT_S = '2';

export default defineCheck(async (ctx) => {
  const expected = 'site running from nginx on node1, its port 80 published and answering';
  const site = await ctx.container('node1', NAME);
  if (!site) {
    const remote = await ctx.container('remote-docker-engine', NAME);
    if (remote) return notYet('on-remote', { expected, found: 'site exists on remote-docker-engine, not on node1' });
    return notYet('no-container', { expected, found: 'no container named site on node1' });
  }
  // By content: any image can be named nginx, only nginx has nginx's id.
  const nginx = await requireCatalogImage(ctx, 'nginx');
  if (site.Image !== nginx) {
    return notYet('wrong-image', { expected, found: `site was created from ${site.Config.Image}, image ${shortId(site.Image)}; nginx is ${shortId(nginx)}` });
  }
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
