import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../common/api.ts';
import { toDisposable } from '../common/lifecycle.ts';
import type { LessonService } from '../lessons/types.ts';
import type { SandboxInfo } from '../sandbox/types.ts';
import { solveSteps, type StepTyping } from './solveSteps.ts';

const sandbox = { id: 'sb1' } as SandboxInfo;

function fixture(passAfter: Record<number, number>) {
  const typed: string[] = [];
  const checks: string[] = [];
  const lessons: LessonService = {
    list: () => [],
    view: () => undefined,
    watch: () => toDisposable(() => {}),
    solution: (_l, step) => step === 0
      ? { lines: [{ node: 'node1', text: 'a' }, { node: 'node1', text: 'b' }, { node: 'remote-docker-engine', text: 'c' }, { node: 'node1', text: 'd' }] }
      : step === 1 ? { lines: [], answerCommand: 'echo 42' } : undefined,
    async check(_l, step, _s, answer): Promise<CheckResult> {
      checks.push(`${step}:${answer ?? ''}`);
      const n = checks.filter((c) => c.startsWith(`${step}:`)).length;
      return n >= (passAfter[step] ?? Infinity) ? { status: 'passed', passed: true, durationMs: 1 } : { status: 'not-yet', passed: false, hint: { id: 'h', text: 'x' }, durationMs: 1 };
    },
  };
  const t: StepTyping = {
    lessons,
    terminals: { typeLines: async (_sb, node, lines) => void typed.push(`${node}:${lines.join('|')}`) },
    sandboxes: { exec: async () => ({ exitCode: 0, stdout: '42\n', stderr: '' }) },
  };
  return { t, typed, checks };
}

describe('solveSteps', () => {
  it("types each step's lines on their nodes in order, then checks until it passes", async () => {
    const { t, typed, checks } = fixture({ 0: 2, 1: 1 });
    const passed: number[] = [];
    const said: string[] = [];
    await solveSteps(t, { sandbox, lesson: 'l', steps: [0, 1], signal: new AbortController().signal, onProgress: (s) => said.push(s), onPassed: (s) => passed.push(s) });
    expect(typed).toEqual(['node1:a|b', 'remote-docker-engine:c', 'node1:d']);
    expect(checks).toEqual(['0:', '0:', '1:42']);
    expect(passed).toEqual([0, 1]);
    expect(said[0]).toMatch(/typing step 1's solution \(1 of 2\)/);
  });

  it('names the step that does not pass, and stops when aborted', async () => {
    const { t } = fixture({});
    const job = (signal: AbortSignal) => ({ sandbox, lesson: 'l', steps: [1], signal, onProgress() {}, onPassed() {}, settleMs: 1_000 });
    await expect(solveSteps(t, job(new AbortController().signal))).rejects.toThrow(/step 2 of l did not pass after its solution: not-yet \(h\)/);
    const abort = new AbortController();
    abort.abort(new Error('reset'));
    await expect(solveSteps(t, job(abort.signal))).rejects.toThrow('reset');
  });
});
