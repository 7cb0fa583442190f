/**
 * `npm run validate -- [lesson…] [--jobs N] [--out DIR] [--lessons DIR]`: every step of every
 * (named) lesson in fresh sandboxes, through the real terminal path. Exit 0 all passed, 1 a case
 * failed, 2 a lesson is broken or unknown (or the arguments are wrong).
 */
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../core/config.ts';
import { logger } from '../core/log.ts';
import { readArgs, type CliOptions } from './args.ts';
import { loadLessonService } from '../lessons/service.ts';
import { validateLessons } from '../robot/validate.ts';
import { openLab, warningsOnly } from '../robot/labHarness.ts';

const USAGE = `usage: npm run validate -- [lesson…] [--jobs N] [--out DIR] [--lessons DIR]
  lesson…        lesson ids (default: all)
  --jobs N       sandboxes at once (default: ${defaultJobs()}; each costs ~70 MiB and a share of a core)
  --out DIR      where junit.xml, metrics.prom and casts/ go (default: test-results/lessons)
  --lessons DIR  the lessons folder (default: lessons)`;

/** One run at a time per core, at most 4: a run is mostly waiting on its sandbox's engines, but
 * image pulls and checks are CPU-bound, and more than 4 sandboxes start slower than they finish. */
function defaultJobs(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

interface Args {
  ids: string[];
  jobs: number;
  out: string;
  lessons: string;
}

const OPTIONS = {
  jobs: { type: 'string', short: 'j' },
  out: { type: 'string' },
  lessons: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies CliOptions;

function parseValidateArgs(argv: string[]): Args | string {
  const parsed = readArgs(argv, OPTIONS);
  if (typeof parsed === 'string') return parsed;
  const { values, positionals } = parsed;
  if (values.help) return '';
  const args: Args = { ids: positionals, jobs: defaultJobs(), out: path.join(ROOT, 'test-results', 'lessons'), lessons: path.join(ROOT, 'lessons') };
  if (values.jobs !== undefined) {
    const n = Number(values.jobs);
    if (!Number.isInteger(n) || n < 1) return `--jobs must be a whole number of at least 1 (not ${values.jobs})`;
    args.jobs = n;
  }
  if (values.out !== undefined) args.out = path.resolve(values.out);
  if (values.lessons !== undefined) args.lessons = path.resolve(values.lessons);
  return args;
}

async function main(argv: string[]): Promise<number> {
  const args = parseValidateArgs(argv);
  if (typeof args === 'string') {
    if (args) console.error(`validate: ${args}`);
    console.error(USAGE);
    return args ? 2 : 0;
  }
  const log = warningsOnly(logger('validate'));
  const service = await loadLessonService(args.lessons);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const runnable = (args.ids.length ? args.ids : service.lessons().map((l) => l.id))
    .filter((id) => service.lesson(id) && service.lesson(id)!.problems.length === 0);

  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    if (++interrupts > 1) process.exit(130);
    print('interrupted: ending the runs and removing their sandboxes (press Ctrl-C again to quit at once)');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (runnable.length === 0) {
    // Nothing to run (all broken or unknown): report without starting sandboxes.
    const report = await validateLessons({ service, ids: args.ids, jobs: args.jobs, outDir: args.out, print });
    return report.exitCode;
  }
  print('opening the sandbox engine (a first start builds images and may take minutes)…');
  const lab = await openLab(service, log);
  try {
    const report = await validateLessons({
      service, lab: { url: lab.server.url, sandboxes: lab.sandboxes }, ids: args.ids, jobs: args.jobs, outDir: args.out, print, signal: abort.signal,
    });
    return report.exitCode;
  } finally {
    await lab.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`validate: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(2);
  },
);
