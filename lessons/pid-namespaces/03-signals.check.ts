import { defineCheck, notYet, passed } from '#check';

const NAME = 'sleeper';
/** 128 + 9: the shell's and Docker's exit code for a process killed by SIGKILL. */
const SIGKILL_EXIT = 137;

export default defineCheck(async (ctx) => {
  const expected = 'sleeper exited with code 137 (killed by SIGKILL)';
  const c = await ctx.container('node1', NAME);
  if (!c) return notYet('removed', { expected, found: 'no container named sleeper on node1' });
  if (c.State.Running) return notYet('still-running', { expected, found: `sleeper is running (node PID ${c.State.Pid})` });
  if (c.State.ExitCode !== SIGKILL_EXIT) return notYet('not-killed', { expected, found: `sleeper exited with ${c.State.ExitCode}` });
  return passed({ found: 'sleeper exited with 137 after SIGKILL' });
});
