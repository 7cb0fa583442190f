import type { CheckResult, LessonSummary, LessonView, NodeName } from '../common/api.ts';
import type { Disposable } from '../common/lifecycle.ts';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import type { CommandLine } from './model.ts';

/** How a step is solved by its own text: the lines its runnable blocks type, and for a question
 * step the command (run on node1) whose trimmed output is the answer. */
export interface StepSolution {
  lines: CommandLine[];
  answerCommand?: string;
}

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
  /** Step `step` of `lesson`'s own solution; undefined for no such step (or a service without lesson files). */
  solution?(lesson: string, step: number): StepSolution | undefined;
}

export type { NodeName, Sandboxes };
