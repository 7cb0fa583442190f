/**
 * Runs one step's check under CHECK_TIMEOUT_MS and turns what it did into a CheckResult: the
 * learner's "not yet" with the hint's text, or, kept apart from it, an author/system error
 * (the check threw, returned nonsense, named an unknown hint) or a timeout.
 */
import type { CheckResult } from '../common/api.ts';
import { CHECK_TIMEOUT_MS, isCheck, type Check, type CheckContext } from './checkApi.ts';
import type { Step } from './model.ts';

export interface RunOptions {
  /** Default CHECK_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Builds the context; gets the signal aborted at the deadline and the deadline itself (epoch ms). */
  context: (signal: AbortSignal, deadline: number) => CheckContext;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function runCheck(step: Pick<Step, 'hints' | 'checkFile'>, check: Check, opts: RunOptions): Promise<CheckResult> {
  if (!isCheck(check)) throw new TypeError(`runCheck needs a check made by defineCheck (got ${typeof check})`);
  const timeoutMs = opts.timeoutMs ?? CHECK_TIMEOUT_MS;
  const start = Date.now();
  const elapsed = () => Date.now() - start;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      abort.abort(new Error(`the check took more than ${timeoutMs} ms`));
      resolve('timeout');
    }, timeoutMs);
  });
  try {
    const ctx = opts.context(abort.signal, start + timeoutMs);
    const outcome = await Promise.race([Promise.resolve().then(() => check.run(ctx)), timedOut]);
    if (outcome === 'timeout') {
      return { status: 'timeout', passed: false, message: `the check did not answer within ${timeoutMs} ms (${step.checkFile})`, durationMs: elapsed() };
    }
    return toResult(step, outcome, elapsed());
  } catch (err) {
    return { status: 'error', passed: false, message: `the check failed: ${message(err)} (${step.checkFile})`, durationMs: elapsed() };
  } finally {
    clearTimeout(timer);
  }
}

function toResult(step: Pick<Step, 'hints' | 'checkFile'>, outcome: unknown, durationMs: number): CheckResult {
  const o = outcome as { passed?: unknown; hint?: unknown; expected?: unknown; found?: unknown } | null;
  if (typeof o !== 'object' || o === null || typeof o.passed !== 'boolean') {
    return { status: 'error', passed: false, message: `the check returned ${JSON.stringify(outcome)}, not passed(…) or notYet(…) (${step.checkFile})`, durationMs };
  }
  const details = {
    ...(typeof o.expected === 'string' && { expected: o.expected }),
    ...(typeof o.found === 'string' && { found: o.found }),
  };
  if (o.passed) return { status: 'passed', passed: true, ...details, durationMs };
  const id = typeof o.hint === 'string' ? o.hint : '';
  const text = step.hints[id];
  if (text === undefined) {
    const known = Object.keys(step.hints);
    return {
      status: 'error', passed: false, ...details, durationMs,
      message: `the check returned hint "${id}", which is not in the step's hints (known: ${known.length ? known.join(', ') : 'none'}) (${step.checkFile})`,
    };
  }
  return { status: 'not-yet', passed: false, ...details, hint: { id, text }, durationMs };
}
