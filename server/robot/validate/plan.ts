/**
 * What validating a lesson means, as a list of runs (one fresh sandbox each) and the cases each
 * run decides. The solution run walks every step: check fails, solution typed, check passes.
 * Each known wrong attempt gets its own run: earlier steps solved, the attempt typed, and the
 * check must fail with the attempt's hint.
 */
import type { Attempt, Lesson, Step } from '../../lessons/model.ts';

export type Run =
  | { kind: 'solution'; lesson: Lesson; name: string }
  | { kind: 'attempt'; lesson: Lesson; name: string; step: Step; attempt: Attempt };

export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48) || 'x';
}

function stepLabel(step: Step): string {
  return `step ${step.index + 1} "${step.title}"`;
}

export const caseNames = {
  before: (step: Step) => `${stepLabel(step)}: fails before its solution`,
  after: (step: Step) => `${stepLabel(step)}: passes after its solution`,
  attempt: (step: Step, attempt: Attempt) => `${stepLabel(step)}: attempt "${attempt.name}" fails with hint ${attempt.hint}`,
};

/** The runs of `lesson`, the solution run first. Run names are unique per lesson and file-name safe. */
export function planLesson(lesson: Lesson): Run[] {
  const runs: Run[] = [{ kind: 'solution', lesson, name: 'solution' }];
  const used = new Set<string>(['solution']);
  for (const step of lesson.steps) {
    step.attempts.forEach((attempt, i) => {
      let name = `step${String(step.index + 1).padStart(2, '0')}-${slug(attempt.name)}`;
      if (used.has(name)) name = `${name}-${i + 1}`;
      used.add(name);
      runs.push({ kind: 'attempt', lesson, name, step, attempt });
    });
  }
  return runs;
}

/** Every case name a run decides, in order (for skipped cases when a run cannot start). */
export function casesOf(run: Run): string[] {
  if (run.kind === 'attempt') return [caseNames.attempt(run.step, run.attempt)];
  return run.lesson.steps.flatMap((s) => [caseNames.before(s), caseNames.after(s)]);
}

/** Case names of `lesson` in reading order (per step: before, after, then its attempts), for sorting reports. */
export function caseOrder(lesson: Lesson): string[] {
  return lesson.steps.flatMap((s) => [caseNames.before(s), caseNames.after(s), ...s.attempts.map((a) => caseNames.attempt(s, a))]);
}
