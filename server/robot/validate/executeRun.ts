/**
 * Executes one validation run in its own fresh sandbox and reports each case as it is decided.
 */
import type { CheckResult } from '../../common/api.ts';
import type { CaseResult } from './junit.ts';
import type { LabSession } from '../labSession.ts';
import { caseNames, casesOf, type Run } from './plan.ts';
import { hintContradictions } from '../../lessons/hintFit.ts';
import { checkUntil, describeResult, rightAnswer, solutionLines, solveStep } from '../stepDriver.ts';

export interface RunContext {
  /** Opens the run's lab session (a new learner with a ready sandbox). */
  open: () => Promise<LabSession>;
  /** Gets each case as soon as it is decided. */
  report: (c: CaseResult) => void;
  /** The recording's path relative to the output folder, put on every case. */
  cast?: string;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function executeRun(run: Run, ctx: RunContext): Promise<void> {
  const lesson = run.lesson.id;
  const base = { lesson, ...(ctx.cast !== undefined && { cast: ctx.cast }) };
  const pending = casesOf(run);
  const report = (c: Omit<CaseResult, 'lesson'>) => {
    pending.splice(pending.indexOf(c.name), 1);
    ctx.report({ ...base, ...c });
  };
  const skipRest = (message: string) => {
    for (const name of [...pending]) report({ name, outcome: 'skipped', durationMs: 0, message });
  };

  let session: LabSession;
  const opening = Date.now();
  try {
    session = await ctx.open();
  } catch (err) {
    const [first, ...rest] = pending;
    if (first) report({ name: first, outcome: 'fail', durationMs: Date.now() - opening, message: `the sandbox did not start: ${errText(err)}` });
    if (rest.length) skipRest('the sandbox did not start');
    return;
  }
  try {
    if (run.kind === 'solution') await solutionRun(run, session, report, skipRest);
    else await attemptRun(run, session, report);
  } finally {
    await session.close();
  }
}

type Report = (c: Omit<CaseResult, 'lesson'>) => void;

async function solutionRun(run: Extract<Run, { kind: 'solution' }>, session: LabSession, report: Report, skipRest: (m: string) => void): Promise<void> {
  const lesson = run.lesson;
  for (const step of lesson.steps) {
    session.note(`${step.id}: before the solution`);
    let t = Date.now();
    const before = caseNames.before(step);
    try {
      const r = await session.check(lesson.id, step.index);
      const ok = r.status === 'not-yet';
      report({
        name: before, outcome: ok ? 'ok' : 'fail', durationMs: Date.now() - t,
        ...(!ok && { expected: 'not-yet (the step is not done yet)', found: describeResult(r) }),
      });
    } catch (err) {
      report({ name: before, outcome: 'fail', durationMs: Date.now() - t, message: errText(err) });
    }

    session.note(`${step.id}: solution`);
    t = Date.now();
    const after = caseNames.after(step);
    try {
      await session.type(solutionLines(step));
      const { result, ok } = await checkUntil(async () => session.check(lesson.id, step.index, await rightAnswer(session, step)), (r) => r.passed);
      report({
        name: after, outcome: ok ? 'ok' : 'fail', durationMs: Date.now() - t,
        ...(!ok && { expected: 'passed', found: describeResult(result) }),
      });
      if (!ok) return skipRest(`step ${step.index + 1} did not pass, so later steps cannot be checked`);
    } catch (err) {
      report({ name: after, outcome: 'fail', durationMs: Date.now() - t, message: errText(err) });
      return skipRest(`step ${step.index + 1} could not be solved, so later steps cannot be checked`);
    }
  }
}

async function attemptRun(run: Extract<Run, { kind: 'attempt' }>, session: LabSession, report: Report): Promise<void> {
  const { lesson, step, attempt } = run;
  const name = caseNames.attempt(step, attempt);
  const t = Date.now();
  try {
    for (const earlier of lesson.steps.slice(0, step.index)) await solveStep(session, lesson, earlier);
  } catch (err) {
    return report({ name, outcome: 'fail', durationMs: Date.now() - t, message: `could not bring the sandbox to step ${step.index + 1}: ${errText(err)}` });
  }
  try {
    session.note(`${step.id}: attempt "${attempt.name}"`);
    await session.type(attempt.commands);
    const wanted = (r: CheckResult) => r.status === 'not-yet' && r.hint?.id === attempt.hint;
    // A pass will not turn into the hint: stop there instead of retrying for the whole settle time.
    const { result } = await checkUntil(() => session.check(lesson.id, step.index, attempt.answer), (r) => wanted(r) || r.passed);
    // The right hint, and one that does not deny what the found line above it shows.
    const denied = wanted(result) ? hintContradictions(result.hint?.text ?? '', result.found) : [];
    const ok = wanted(result) && denied.length === 0;
    report({
      name, outcome: ok ? 'ok' : 'fail', durationMs: Date.now() - t,
      ...(!ok && {
        expected: denied.length ? `a hint that fits "${result.found}"` : `not-yet, hint ${attempt.hint}`,
        found: denied.length ? `hint ${attempt.hint} says there is no ${denied.join(', ')}: "${result.hint?.text}"` : describeResult(result),
      }),
    });
  } catch (err) {
    report({ name, outcome: 'fail', durationMs: Date.now() - t, message: errText(err) });
  }
}
