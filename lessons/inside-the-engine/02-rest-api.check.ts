import { defineCheck, notYet, passed } from '#check';

export default defineCheck(async (ctx) => {
  const expected = 'the ApiVersion of node1\'s engine';
  const version = await ctx.engine('node1').version();
  const answer = ctx.answer?.replace(/^v/i, '');
  if (answer === undefined || answer === '') return notYet('no-answer', { expected, found: 'no answer yet' });
  if (answer === version.ApiVersion) return passed({ found: `the engine speaks API ${version.ApiVersion}` });
  if (version.Version.startsWith(answer) && answer.includes('.')) {
    return notYet('engine-version', { expected, found: `${answer} is the engine's release` });
  }
  if (/^\d+\.\d+$/.test(answer)) return notYet('client-version', { expected, found: `you answered ${answer}` });
  return notYet('not-a-version', { expected, found: `"${ctx.answer}"` });
});
