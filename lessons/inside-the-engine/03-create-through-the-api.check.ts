import { containerName, defineCheck, notYet, passed, requireCatalogImage, sameImage, shortId } from '#check';

const NAME = 'api-made';
const IMAGE = 'docker.io/library/busybox:latest';
const CMD = 'sleep 3600';

export default defineCheck(async (ctx) => {
  const expected = 'api-made on node1: created from busybox, running sleep 3600';
  const c = await ctx.container('node1', NAME);
  if (!c) {
    const all = await ctx.engine('node1').listContainers({ all: true });
    const other = all.find((x) => sameImage(x.Image, IMAGE) && x.Command === CMD);
    if (other) return notYet('no-name', { expected, found: `a busybox container named ${containerName(other)}` });
    return notYet('no-container', { expected, found: 'no container named api-made on node1' });
  }
  const busybox = await requireCatalogImage(ctx, 'busybox');
  if (c.Image !== busybox) {
    return notYet('wrong-image', { expected, found: `api-made was created from ${c.Config.Image}, image ${shortId(c.Image)}; busybox is ${shortId(busybox)}` });
  }
  const cmd = [...(c.Config.Entrypoint ?? []), ...(c.Config.Cmd ?? [])].join(' ');
  if (cmd !== CMD) return notYet('wrong-cmd', { expected, found: `api-made runs "${cmd}"` });
  if (c.State.Status === 'created') return notYet('not-started', { expected, found: 'api-made is created, not started' });
  if (!c.State.Running) return notYet('not-running', { expected, found: `api-made is ${c.State.Status}` });
  return passed({ found: `api-made runs ${CMD} from busybox` });
});
