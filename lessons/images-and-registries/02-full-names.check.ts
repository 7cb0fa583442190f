import { defineCheck, notYet, passed, requireCatalogImage, shortId } from '#check';

const TAG = 'busybox:latest';

export default defineCheck(async (ctx) => {
  const expected = 'the image docker.io/library/busybox:latest on node1';
  const [local, remote, busybox] = await Promise.all([
    ctx.image('node1', TAG),
    ctx.engine('remote-docker-engine').listImages({ filters: { reference: [TAG] } }),
    requireCatalogImage(ctx, 'busybox'),
  ]);
  // By content: `docker tag nginx busybox` makes the name, not the image.
  if (local?.Id === busybox) return passed({ found: `busybox:latest (${shortId(local.Id)}) on node1` });
  if (local) return notYet('not-busybox', { expected, found: `busybox:latest on node1 is image ${shortId(local.Id)}; busybox is ${shortId(busybox)}` });
  if (remote.length > 0) return notYet('on-remote', { expected, found: 'busybox:latest is on remote-docker-engine only' });
  return notYet('not-pulled', { expected, found: 'no busybox:latest on node1' });
});
