import { defineCheck, notYet, passed } from '#check';

const NAME = 'sleeper';
const CMD = 'sleep 3600';

export default defineCheck(async (ctx) => {
  const expected = 'sleeper running sleep 3600 on node1';
  const c = await ctx.container('node1', NAME);
  if (!c) return notYet('no-container', { expected, found: 'no container named sleeper on node1' });
  const cmd = [c.Path, ...c.Args].join(' ');
  if (cmd !== CMD) {
    // A bare shell (busybox's default command) exits at once without a terminal; it may not have yet.
    const bareShell = c.Args.length === 0 && /(^|\/)(sh|ash|bash)$/.test(c.Path);
    if (!c.State.Running || bareShell) return notYet('not-running', { expected, found: `sleeper ran "${cmd}" and is ${c.State.Status}` });
    return notYet('wrong-cmd', { expected, found: `sleeper runs "${cmd}"` });
  }
  if (!c.State.Running) return notYet('not-running', { expected, found: `sleeper is ${c.State.Status}` });
  return passed({ found: `sleeper runs ${CMD}, node PID ${c.State.Pid}` });
});
