/**
 * Driving one step in a lab session the way a learner would: the step's runnable blocks typed
 * line by line, and checks retried while the engines settle.
 */
import type { CheckResult } from '../common/api.ts';
import type { Lesson, Step } from '../lessons/model.ts';
import { solutionLines } from '../lessons/solution.ts';
import type { LabSession } from './labSession.ts';

/** Engines settle after a command returns (a container's process starts, a registry begins to
 * listen): a check that should pass gets this long. ~3 s is typical here; 15 s covers a busy CI. */
export const SETTLE_TIMEOUT_MS = 15_000;
/** Between check retries; a check costs ~20-100 ms, so this keeps a retry loop under ~20% CPU. */
const RETRY_MS = 400;

export function describeResult(r: CheckResult): string {
  const parts: string[] = [r.status];
  if (r.hint) parts.push(`hint ${r.hint.id}`);
  let s = parts.join(', ');
  if (r.found) s += `: found ${r.found}`;
  if (r.message) s += ` (${r.message})`;
  return s;
}

export { solutionLines } from '../lessons/solution.ts';

/** The right answer of a question step: its `answer` command's output on node1, trimmed. */
export async function rightAnswer(session: LabSession, step: Step): Promise<string | undefined> {
  if (step.answer === undefined) return undefined;
  const r = await session.exec('node1', step.answer);
  if (r.exitCode !== 0) throw new Error(`the answer command of ${step.id} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

/**
 * Checks until `done(result)` or the time is up; resolves with the last result either way.
 * Question steps recompute the answer each time (`answer` may be a function of the state).
 */
export async function checkUntil(
  check: () => Promise<CheckResult>,
  done: (r: CheckResult) => boolean,
  timeoutMs = SETTLE_TIMEOUT_MS,
): Promise<{ result: CheckResult; ok: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (done(result)) return { result, ok: true };
    if (Date.now() + RETRY_MS > deadline) return { result, ok: false };
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}

/** Checks until two results in a row agree (or it passes): what a learner would see after waiting a moment. */
export async function settledCheck(check: () => Promise<CheckResult>, timeoutMs = SETTLE_TIMEOUT_MS): Promise<CheckResult> {
  let last: string | undefined;
  const sig = (r: CheckResult) => JSON.stringify([r.status, r.hint?.id, r.found]);
  const { result } = await checkUntil(check, (r) => {
    const s = sig(r);
    const same = s === last;
    last = s;
    return r.passed || same;
  }, timeoutMs);
  return result;
}

/** The solution typed, and a check that passes; @throws Error saying which step did not pass. */
export async function solveStep(session: LabSession, lesson: Lesson, step: Step): Promise<CheckResult> {
  session.note(`${step.id}: solution`);
  await session.type(solutionLines(step));
  const { result, ok } = await checkUntil(async () => session.check(lesson.id, step.index, await rightAnswer(session, step)), (r) => r.passed);
  if (!ok) throw new Error(`step ${step.index + 1} (${step.id}) did not pass after its solution: ${describeResult(result)}`);
  return result;
}
