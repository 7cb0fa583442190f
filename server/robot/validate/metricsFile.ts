/**
 * A validation run's figures in the Prometheus text format, written beside junit.xml as
 * metrics.prom: the validator is a CLI that CI runs, not a server to scrape, so its figures go
 * where node_exporter's textfile collector (or a CI step that pushes them) picks them up.
 */
import client from 'prom-client';
import type { CaseResult } from './junit.ts';

export const METRICS_FILE = 'metrics.prom';

export interface RunFigures {
  cases: readonly CaseResult[];
  durationMs: number;
  exitCode: number;
  /** When the run ended, ms since the epoch. */
  endedAt: number;
}

const OUTCOMES: readonly CaseResult['outcome'][] = ['ok', 'fail', 'skipped'];

export async function validationMetrics(run: RunFigures): Promise<string> {
  const r = new client.Registry();
  const cases = new client.Gauge({
    name: 'shiplab_validation_cases',
    help: 'Cases of the last validation run by lesson and outcome (ok, fail, skipped)',
    labelNames: ['lesson', 'outcome'],
    registers: [r],
  });
  const seconds = new client.Gauge({
    name: 'shiplab_validation_lesson_seconds',
    help: 'Time the cases of each lesson took in the last validation run, added up (runs overlap)',
    labelNames: ['lesson'],
    registers: [r],
  });
  for (const lesson of new Set(run.cases.map((c) => c.lesson))) {
    const mine = run.cases.filter((c) => c.lesson === lesson);
    for (const outcome of OUTCOMES) cases.set({ lesson, outcome }, mine.filter((c) => c.outcome === outcome).length);
    seconds.set({ lesson }, mine.reduce((s, c) => s + c.durationMs, 0) / 1000);
  }
  new client.Gauge({ name: 'shiplab_validation_duration_seconds', help: 'Wall time of the last validation run', registers: [r] }).set(run.durationMs / 1000);
  new client.Gauge({ name: 'shiplab_validation_exit_code', help: 'Exit code of the last validation run: 0 all passed, 1 a case failed, 2 a lesson is broken or unknown', registers: [r] }).set(run.exitCode);
  new client.Gauge({ name: 'shiplab_validation_last_run_timestamp_seconds', help: 'When the last validation run ended (Unix time)', registers: [r] }).set(Math.round(run.endedAt / 1000));
  return r.metrics();
}
