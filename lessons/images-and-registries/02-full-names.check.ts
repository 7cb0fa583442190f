import { defineCheck, notYet, passed } from '#check';

const TAG = 'busybox:latest';

export default defineCheck(async (ctx) => {
  const expected = 'the image docker.io/library/busybox:latest on node1';
  const [local, remote] = await Promise.all([
    ctx.engine('node1').listImages({ filters: { reference: [TAG] } }),
    ctx.engine('remote-docker-engine').listImages({ filters: { reference: [TAG] } }),
  ]);
  if (local.length > 0) return passed({ found: `busybox:latest (${local[0]!.Id.slice(7, 19)}) on node1` });
  if (remote.length > 0) return notYet('on-remote', { expected, found: 'busybox:latest is on remote-docker-engine only' });
  return notYet('not-pulled', { expected, found: 'no busybox:latest on node1' });
});
