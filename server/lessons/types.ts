import type { CheckResult, LessonSummary, LessonView, NodeName } from '../common/api.ts';
import type { Disposable } from '../common/lifecycle.ts';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';

/** What the HTTP layer needs from the lesson capability. */
export interface LessonService {
  list(): LessonSummary[];
  view(id: string): LessonView | undefined;
  /** Runs step `step` (0-based) of `lesson` against the sandbox; never throws for a failing check. */
  check(lesson: string, step: number, sandbox: SandboxInfo, answer?: string): Promise<CheckResult>;
  /**
   * Re-runs the current step's check when the sandbox's engines report events (and every few
   * seconds otherwise) and reports results; `current` says which steps are already passed.
   */
  watch(
    lesson: string,
    sandbox: SandboxInfo,
    passedSteps: () => number[],
    onResult: (step: number, result: CheckResult) => void,
  ): Disposable;
}

export type { NodeName, Sandboxes };
