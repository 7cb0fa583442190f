/**
 * Validates lessons end to end against real sandboxes: for every step the check fails before
 * its solution and passes after it (typed through the terminal WebSocket like a browser), and
 * every known wrong attempt fails with its own hint. Runs go through a small worker pool, one
 * fresh sandbox per run. Writes JUnit XML and an asciicast recording per run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Sandboxes } from '../sandbox/types.ts';
import { formatProblem } from '../lessons/format.ts';
import type { Lesson } from '../lessons/model.ts';
import type { LoadedLessonService } from '../lessons/service.ts';
import { CastRecorder } from './validate/asciicast.ts';
import { executeRun } from './validate/executeRun.ts';
import { failureText, junitXml, type CaseResult } from './validate/junit.ts';
import { METRICS_FILE, validationMetrics } from './validate/metricsFile.ts';
import { LabSession, TERM_COLS, TERM_ROWS } from './labSession.ts';
import { caseNames, caseOrder, planLesson, type Run } from './validate/plan.ts';

export interface ValidateOptions {
  service: LoadedLessonService;
  /** The lab server the runs drive (e.g. an in-process createLabServer on 127.0.0.1:0) and its
   * sandboxes; only needed when there is something to run. */
  lab?: { url: string; sandboxes: Sandboxes };
  /** Lesson ids; default every lesson. */
  ids?: string[];
  /** Runs (sandboxes) at once. */
  jobs: number;
  /** junit.xml, metrics.prom and casts/ go here. */
  outDir: string;
  /** One line of progress or summary. */
  print: (line: string) => void;
  /** Stops starting runs and ends the ones under way (their sandboxes are removed). */
  signal?: AbortSignal;
}

export interface ValidationReport {
  cases: CaseResult[];
  /** Selected lessons whose files are broken; they were not run. */
  broken: Lesson[];
  /** 0 all passed, 1 a case failed, 2 a lesson is broken or unknown. */
  exitCode: 0 | 1 | 2;
  durationMs: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function caseLine(c: CaseResult): string {
  const head = `${c.outcome === 'ok' ? 'ok  ' : c.outcome === 'fail' ? 'FAIL' : 'skip'} ${c.lesson} › ${c.name} (${seconds(c.durationMs)})`;
  if (c.outcome === 'ok') return head;
  const detail = failureText(c).split('\n').map((l) => `       ${l}`).join('\n');
  return detail.trim() ? `${head}\n${detail}` : head;
}

export async function validateLessons(opts: ValidateOptions): Promise<ValidationReport> {
  const t0 = Date.now();
  const all = opts.service.lessons();
  const ids = opts.ids?.length ? opts.ids : all.map((l) => l.id);
  const unknown = ids.filter((id) => !opts.service.lesson(id));
  const selected = all.filter((l) => ids.includes(l.id));
  const broken = selected.filter((l) => l.problems.length > 0);
  const cases: CaseResult[] = [];

  for (const id of unknown) {
    opts.print(`FAIL ${id}: no such lesson (known: ${all.map((l) => l.id).join(', ')})`);
  }
  for (const l of broken) {
    const message = l.problems.map(formatProblem).join('\n');
    opts.print(`FAIL ${l.id} › lesson files are broken, not run:\n${message.split('\n').map((m) => `       ${m}`).join('\n')}`);
    cases.push({ lesson: l.id, name: 'lesson files are valid', outcome: 'fail', durationMs: 0, message });
  }

  const runs: Run[] = selected.filter((l) => l.problems.length === 0).flatMap(planLesson);
  const lab = opts.lab;
  if (runs.length && !lab) throw new Error('validateLessons: there are runs to do, but no lab was given');
  const castDir = path.join(opts.outDir, 'casts');
  fs.mkdirSync(castDir, { recursive: true });
  const open = new Set<LabSession>();
  const onAbort = () => {
    for (const s of open) void s.close();
  };
  opts.signal?.addEventListener('abort', onAbort);
  opts.print(`validating ${selected.length - broken.length} lesson(s): ${runs.length} run(s), ${opts.jobs} at a time`);

  /** Per lesson, the first step whose solution did not pass in the solution run: attempts at
   * later steps cannot be brought there, so they are skipped instead of failing slowly. */
  const unsolvable = new Map<string, number>();
  const record = (run: Run, decided: CaseResult) => {
    // A run cut short by an interrupt fails for that reason alone: not the lesson's fault.
    const c: CaseResult = opts.signal?.aborted && decided.outcome === 'fail'
      ? { ...decided, outcome: 'skipped', message: `interrupted (${failureText(decided).split('\n')[0]})` }
      : decided;
    cases.push(c);
    opts.print(caseLine(c));
    if (run.kind !== 'solution' || c.outcome !== 'fail') return;
    const step = run.lesson.steps.find((s) => caseNames.after(s) === c.name);
    if (step && !unsolvable.has(run.lesson.id)) unsolvable.set(run.lesson.id, step.index);
  };

  let next = 0;
  const worker = async () => {
    for (;;) {
      if (opts.signal?.aborted) return;
      const run = runs[next++];
      if (!run) return;
      const blocked = unsolvable.get(run.lesson.id);
      if (run.kind === 'attempt' && blocked !== undefined && blocked < run.step.index) {
        record(run, {
          lesson: run.lesson.id, name: caseNames.attempt(run.step, run.attempt), outcome: 'skipped', durationMs: 0,
          message: `step ${blocked + 1} does not pass after its solution, so the sandbox cannot be brought to step ${run.step.index + 1}`,
        });
        continue;
      }
      const castName = `${run.lesson.id}-${run.name}.cast`;
      const cast = new CastRecorder(TERM_COLS, TERM_ROWS, `${run.lesson.id}: ${run.name}`);
      let mine: LabSession | undefined;
      await executeRun(run, {
        cast: path.join('casts', castName),
        report: (c) => record(run, c),
        open: async () => {
          const started = Date.now();
          const session = await LabSession.start(lab!.url, run.lesson.id, lab!.sandboxes, cast);
          mine = session;
          open.add(session);
          opts.print(`▸ ${run.lesson.id}/${run.name}: sandbox ${session.sandbox.id} ready in ${seconds(Date.now() - started)}`);
          if (opts.signal?.aborted) void session.close();
          return session;
        },
      }).catch((err: unknown) => {
        // executeRun reports its own failures; anything here is a bug in the validator itself.
        opts.print(`FAIL ${run.lesson.id}/${run.name}: validator error: ${err instanceof Error ? err.stack : String(err)}`);
        cases.push({ lesson: run.lesson.id, name: run.name, outcome: 'fail', durationMs: 0, message: `validator error: ${String(err)}` });
      });
      if (mine) open.delete(mine);
      cast.write(path.join(castDir, castName));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, runs.length)) }, worker));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }

  // Cases finish in any order; reports read better in the lesson's order.
  const rank = new Map(selected.flatMap((l, li) => caseOrder(l).map((name, ci) => [`${l.id}\0${name}`, li * 10_000 + ci] as const)));
  const rankOf = (c: CaseResult) => rank.get(`${c.lesson}\0${c.name}`) ?? -1;
  cases.sort((a, b) => rankOf(a) - rankOf(b));
  fs.writeFileSync(path.join(opts.outDir, 'junit.xml'), junitXml(cases));
  const count = (o: CaseResult['outcome']) => cases.filter((c) => c.outcome === o).length;
  const durationMs = Date.now() - t0;
  const failed = cases.filter((c) => c.outcome === 'fail');
  opts.print('');
  opts.print(`${cases.length} case(s): ${count('ok')} ok, ${failed.length} failed, ${count('skipped')} skipped in ${seconds(durationMs)}${opts.signal?.aborted ? ' (interrupted)' : ''}`);
  if (failed.length) {
    opts.print('failures:');
    for (const c of failed) opts.print(caseLine(c));
  }
  const exitCode = unknown.length || broken.length ? 2 : failed.length || opts.signal?.aborted ? 1 : 0;
  // Written whole, then renamed: a textfile collector never reads half a file.
  const metrics = path.join(opts.outDir, METRICS_FILE);
  fs.writeFileSync(`${metrics}.tmp`, await validationMetrics({ cases, durationMs, exitCode, endedAt: Date.now() }));
  fs.renameSync(`${metrics}.tmp`, metrics);
  opts.print(`JUnit: ${path.join(opts.outDir, 'junit.xml')}; metrics: ${metrics}; recordings: ${castDir}/`);
  return { cases, broken, exitCode, durationMs };
}
