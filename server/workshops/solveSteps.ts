/**
 * Solving steps with their own solutions in a learner's sandbox, the way the validator does: the
 * step's runnable blocks typed line by line into the learner's own terminal on the block's node
 * (the learner and a shadow see them typed), then the step's check until it passes (engines take
 * a moment to settle). Used to bring a late joiner to the step the room is on.
 */
import type { NodeName } from '../common/api.ts';
import type { LessonService } from '../lessons/types.ts';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';

/** How long a step's check may take to pass after its solution; the validator's settle time. */
export const SOLVE_SETTLE_MS = 15_000;
/** Between checks while the engines settle. */
const RETRY_MS = 400;
/** One typed line may pull an image or build one: generous, bounded. */
const LINE_TIMEOUT_MS = 180_000;
/** A question's answer command (docker inspect …) is quick; bounded all the same. */
const ANSWER_TIMEOUT_MS = 30_000;

/** Types lines into a node's shell, each after the previous prompt (TerminalHub.typeLines). */
export interface LineTypist {
  typeLines(sandbox: SandboxInfo, node: NodeName, lines: string[], opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<void>;
}

export interface StepTyping {
  lessons: LessonService;
  terminals: LineTypist;
  sandboxes: Pick<Sandboxes, 'exec'>;
}

export interface SolveJob {
  sandbox: SandboxInfo;
  lesson: string;
  /** 0-based, in order. */
  steps: number[];
  signal: AbortSignal;
  onProgress(text: string): void;
  onPassed(step: number): void;
  /** How long each check may take to pass; default SOLVE_SETTLE_MS. */
  settleMs?: number;
}

/** @throws Error naming the step that did not pass, or the line that did not finish. */
export async function solveSteps(t: StepTyping, job: SolveJob): Promise<void> {
  for (const [i, step] of job.steps.entries()) {
    job.signal.throwIfAborted();
    const solution = t.lessons.solution?.(job.lesson, step);
    if (!solution) throw new Error(`lesson ${job.lesson} has no step ${step} to solve`);
    job.onProgress(`typing step ${step + 1}'s solution (${i + 1} of ${job.steps.length})`);
    // Consecutive lines on one node go in one run, each after the previous prompt.
    for (const run of byNode(solution.lines)) {
      await t.terminals.typeLines(job.sandbox, run.node, run.lines, { timeoutMs: LINE_TIMEOUT_MS, signal: job.signal });
    }
    job.onProgress(`checking step ${step + 1} (${i + 1} of ${job.steps.length})`);
    const deadline = Date.now() + (job.settleMs ?? SOLVE_SETTLE_MS);
    for (;;) {
      job.signal.throwIfAborted();
      let answer: string | undefined;
      if (solution.answerCommand !== undefined) {
        const r = await t.sandboxes.exec(job.sandbox.id, 'node1', ['bash', '-lc', solution.answerCommand], { timeoutMs: ANSWER_TIMEOUT_MS });
        answer = r.stdout.trim();
      }
      const result = await t.lessons.check(job.lesson, step, job.sandbox, answer);
      if (result.passed) break;
      if (Date.now() + RETRY_MS > deadline) {
        throw new Error(`step ${step + 1} of ${job.lesson} did not pass after its solution: ${result.status}${result.hint ? ` (${result.hint.id})` : ''}${result.message ? `: ${result.message}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
    job.onPassed(step);
  }
}

function byNode(lines: { node: NodeName; text: string }[]): { node: NodeName; lines: string[] }[] {
  const runs: { node: NodeName; lines: string[] }[] = [];
  for (const l of lines) {
    const last = runs.at(-1);
    if (last?.node === l.node) last.lines.push(l.text);
    else runs.push({ node: l.node, lines: [l.text] });
  }
  return runs;
}
