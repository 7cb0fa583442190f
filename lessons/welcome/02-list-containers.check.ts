import { defineCheck, notYet, passed } from '#check';

export default defineCheck(async (ctx) => {
  const all = await ctx.engine('node1').listContainers({ all: true });
  const running = all.filter((c) => c.State === 'running').length;
  const expected = 'the number of containers in docker ps -a on node1';
  const answer = ctx.answer;
  if (answer === undefined || answer === '') return notYet('no-answer', { expected, found: 'no answer yet' });
  if (!/^\d+$/.test(answer)) return notYet('not-a-number', { expected, found: `"${answer}"` });
  const n = Number(answer);
  if (n === all.length) return passed({ found: `${all.length} container(s), ${running} running` });
  if (n === running) return notYet('running-only', { expected, found: `you answered ${n}, the number of running containers` });
  return notYet('wrong-count', { expected, found: `you answered ${n}` });
});
