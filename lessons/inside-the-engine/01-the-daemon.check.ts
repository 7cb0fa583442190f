import { defineCheck, notYet, passed } from '#check';

export default defineCheck(async (ctx) => {
  const expected = 'the PID of dockerd on node1';
  const pgrep = await ctx.exec('node1', ['pgrep', '-x', 'dockerd']);
  const pids = pgrep.stdout.split(/\s+/).filter(Boolean);
  if (pids.length === 0) throw new Error(`no dockerd process on node1 (pgrep exited ${pgrep.exitCode})`);
  const answer = ctx.answer;
  if (answer === undefined || answer === '') return notYet('no-answer', { expected, found: 'no answer yet' });
  if (!/^\d+$/.test(answer)) return notYet('not-a-number', { expected, found: `"${answer}"` });
  if (pids.includes(answer)) return passed({ found: `dockerd runs as PID ${answer}` });
  if (answer === '1') return notYet('init', { expected, found: 'PID 1 is the node\'s init' });
  return notYet('wrong-pid', { expected, found: `you answered ${answer}` });
});
