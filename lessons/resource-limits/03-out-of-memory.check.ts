import { defineCheck, notYet, passed } from '#check';

const NAME = 'hog';
/** What the hog tries to hold: 100 MB. A limit at least this big lets it finish. */
const HOG_BYTES = 100 * 1000 * 1000;
/** 128 + 9: killed by SIGKILL, which is how the OOM killer ends a process. */
const SIGKILL_EXIT = 137;

export default defineCheck(async (ctx) => {
  const expected = 'hog OOM-killed: State.OOMKilled true, exit code 137';
  const c = await ctx.container('node1', NAME);
  if (!c) return notYet('no-container', { expected, found: 'no container named hog on node1' });
  if (c.State.Running) return notYet('still-running', { expected, found: 'hog is still running' });
  const found = `hog: OOMKilled ${c.State.OOMKilled}, exit code ${c.State.ExitCode}, memory limit ${c.HostConfig.Memory ?? 0} bytes`;
  if (c.State.OOMKilled && c.State.ExitCode === SIGKILL_EXIT) return passed({ found });
  const memory = c.HostConfig.Memory ?? 0;
  if (memory === 0) return notYet('no-limit', { expected, found });
  if (memory >= HOG_BYTES) return notYet('limit-too-high', { expected, found });
  return notYet('not-oom-killed', { expected, found });
});
