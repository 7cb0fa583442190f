import { defineCheck, notYet, passed } from '#check';

const NAME = 'sleeper';

export default defineCheck(async (ctx) => {
  const expected = 'the PID of sleeper\'s main process on node1';
  const c = await ctx.container('node1', NAME);
  if (!c) return notYet('not-running', { expected, found: 'no container named sleeper on node1' });
  if (!c.State.Running || c.State.Pid <= 0) return notYet('not-running', { expected, found: `sleeper is ${c.State.Status}` });
  const answer = ctx.answer;
  if (answer === undefined || answer === '') return notYet('no-answer', { expected, found: 'no answer yet' });
  if (!/^\d+$/.test(answer)) return notYet('not-a-number', { expected, found: `"${answer}"` });
  if (Number(answer) === c.State.Pid) return passed({ found: `sleep 3600 is PID 1 inside sleeper and PID ${c.State.Pid} on node1` });
  if (answer === '1') return notYet('inside-pid', { expected, found: '1, its PID inside the container' });
  return notYet('wrong-pid', { expected, found: `you answered ${answer}` });
});
