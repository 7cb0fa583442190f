import { defineCheck, normalizeRef, notYet, passed } from '#check';

const NAME = 'api-made';
const IMAGE = 'docker.io/library/busybox:latest';
const CMD = 'sleep 3600';

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
  const expected = 'api-made on node1: created from busybox, running sleep 3600';
  const engine = ctx.engine('node1');
  const c = await engine.getContainer(NAME).inspect().catch(absent);
  if (!c) {
    const all = await engine.listContainers({ all: true });
    const other = all.find((x) => sameImage(x.Image) && x.Command === CMD);
    if (other) return notYet('no-name', { expected, found: `a busybox container named ${other.Names[0]?.replace(/^\//, '') ?? '?'}` });
    return notYet('no-container', { expected, found: 'no container named api-made on node1' });
  }
  if (!sameImage(c.Config.Image)) return notYet('wrong-image', { expected, found: `api-made was created from ${c.Config.Image}` });
  const cmd = [...(c.Config.Entrypoint ?? []), ...(c.Config.Cmd ?? [])].join(' ');
  if (cmd !== CMD) return notYet('wrong-cmd', { expected, found: `api-made runs "${cmd}"` });
  if (c.State.Status === 'created') return notYet('not-started', { expected, found: 'api-made is created, not started' });
  if (!c.State.Running) return notYet('not-running', { expected, found: `api-made is ${c.State.Status}` });
  return passed({ found: `api-made runs ${CMD} from busybox` });
});
