/**
 * The lesson capability as the HTTP layer sees it (types.ts): lessons loaded and rendered once,
 * their checks imported, checks run against a learner's sandbox, auto-checks while one is up.
 */
import { pathToFileURL } from 'node:url';
import fs from 'node:fs';
import type { CheckResult, LessonSummary, LessonView, StepView } from '../common/api.ts';
import { toDisposable, type Disposable } from '../common/lifecycle.ts';
import { logger } from '../core/log.ts';
import { nodeEngine } from '../sandbox/nodeEngine.ts';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { startAutocheck } from './autocheck.ts';
import { isCheck, type Check } from './checkApi.ts';
import { createCheckContext } from './checkContext.ts';
import { formatProblem, loadLessons } from './format.ts';
import type { Lesson, Step } from './model.ts';
import { renderMarkdown } from './render.ts';
import { runCheck } from './runner.ts';
import { solutionLines } from './solution.ts';
import type { LessonService } from './types.ts';

const log = logger('lessons');

/** LessonService plus what the validator and the check CLI need: the parsed lessons. */
export interface LoadedLessonService extends LessonService {
  lesson(id: string): Lesson | undefined;
  lessons(): Lesson[];
  /** Every problem of every lesson, formatted `file:line: message`. */
  problems(): string[];
  /** The same lessons (not loaded again), running checks against `sandboxes`. */
  bind(sandboxes: Sandboxes): LoadedLessonService;
}

export async function loadLessonService(dir: string, sandboxes?: Sandboxes): Promise<LoadedLessonService> {
  const lessons = await loadLessons(dir);
  const checks = new Map<string, Check>();
  await Promise.all(lessons.flatMap((l) => l.steps.map(async (s) => {
    const check = await importCheck(l, s);
    if (check) checks.set(s.checkFile, check);
  })));
  for (const l of lessons) {
    for (const p of l.problems) log.warn('lesson problem', { lesson: l.id, problem: formatProblem(p) });
  }
  return serviceOf(lessons, checks, new Map(lessons.map((l) => [l.id, toView(l)])), sandboxes);
}

function serviceOf(lessons: Lesson[], checks: Map<string, Check>, views: Map<string, LessonView>, sandboxes?: Sandboxes): LoadedLessonService {
  const byId = new Map(lessons.map((l) => [l.id, l]));

  const errorResult = (message: string): CheckResult => ({ status: 'error', passed: false, message, durationMs: 0 });

  const check = async (lessonId: string, stepIndex: number, sandbox: SandboxInfo, answer?: string): Promise<CheckResult> => {
    const lesson = byId.get(lessonId);
    if (!lesson) return errorResult(`no lesson "${lessonId}"`);
    if (lesson.problems.length) return errorResult(`lesson "${lessonId}" is broken: ${lesson.problems.map(formatProblem).join('; ')}`);
    const step = lesson.steps[stepIndex];
    if (!step) return errorResult(`lesson "${lessonId}" has no step ${stepIndex} (steps are 0-based, 0 to ${lesson.steps.length - 1})`);
    const fn = checks.get(step.checkFile);
    if (!fn) return errorResult(`no check loaded for ${step.id}`);
    if (!sandboxes) return errorResult('checks need sandboxes, and this lesson service was loaded without them');
    return runCheck(step, fn, {
      context: (signal, deadline) => createCheckContext(sandboxes, sandbox, { signal, deadline, ...(answer !== undefined && { answer }) }),
    });
  };

  return {
    list: () => lessons.map((l) => summary(l)),
    view: (id) => views.get(id),
    lesson: (id) => byId.get(id),
    lessons: () => lessons,
    problems: () => lessons.flatMap((l) => l.problems.map(formatProblem)),
    bind: (s) => serviceOf(lessons, checks, views, s),
    check,
    solution(lessonId, stepIndex) {
      const step = byId.get(lessonId)?.steps[stepIndex];
      return step && { lines: solutionLines(step), ...(step.answer !== undefined && { answerCommand: step.answer }) };
    },
    watch(lessonId, sandbox, passedSteps, onResult): Disposable {
      const lesson = byId.get(lessonId);
      if (!lesson || lesson.problems.length || !sandboxes) return toDisposable(() => {});
      return startAutocheck({
        steps: lesson.steps,
        nodes: lesson.meta.nodes,
        passedSteps,
        run: (step) => check(lessonId, step, sandbox),
        onResult,
        engine: (node) => nodeEngine(sandbox.nodes[node].pid, 0),
        log: log.child(`auto/${sandbox.id}`),
      });
    },
  };
}

async function importCheck(lesson: Lesson, step: Step): Promise<Check | undefined> {
  if (!fs.existsSync(step.checkFile)) return undefined; // the loader already reported it
  try {
    const mod = (await import(pathToFileURL(step.checkFile).href)) as { default?: unknown };
    if (isCheck(mod.default)) return mod.default;
    lesson.problems.push({ file: step.checkFile, line: 1, message: 'the default export must be defineCheck(async (ctx) => …) from #check' });
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    lesson.problems.push({ file: step.checkFile, line: 0, message: `cannot load the check: ${first}` });
  }
  return undefined;
}

function summary(l: Lesson): LessonSummary {
  const m = l.meta;
  return {
    id: l.id, title: m.title, summary: m.summary, minutes: m.minutes, nodes: [...m.nodes],
    prerequisites: [...m.prerequisites], order: m.order, steps: l.steps.length,
    ...(m.next !== undefined && { next: m.next }),
    ...(l.problems.length && { error: l.problems.map(formatProblem).join('\n') }),
  };
}

function toView(l: Lesson): LessonView {
  const stepViews: StepView[] = l.steps.map((s) => ({
    index: s.index, id: s.id, title: s.title, html: renderMarkdown(s.body),
    ...(s.question !== undefined && { question: s.question }),
  }));
  return { ...summary(l), introHtml: renderMarkdown(l.intro), recapHtml: renderMarkdown(l.recap), stepViews };
}
