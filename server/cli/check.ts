/**
 * `npm run shiplab -- check <lesson> [--step N] --commands FILE [--answer A] [--json]`: try one
 * attempt at a step, the way a learner would make it. A fresh sandbox; the earlier steps solved
 * with their own solutions; FILE's lines typed through the terminal path (node1, or the node
 * named by a `remote-docker-engine$ ` prefix); then the step's check, once the engines settle.
 * Returns 0 when the check passes, 1 when it does not, 2 for bad arguments or a broken lesson.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../core/config.ts';
import { logger } from '../core/log.ts';
import { readArgs, type CliOptions } from './args.ts';
import type { CheckResult } from '../common/api.ts';
import { parseCommands } from '../lessons/format/commands.ts';
import { formatProblem } from '../lessons/format.ts';
import type { CommandLine, Lesson, Step } from '../lessons/model.ts';
import { loadLessonService } from '../lessons/service.ts';
import { openLab, warningsOnly } from '../robot/labHarness.ts';
import { LabSession } from '../robot/labSession.ts';
import { settledCheck, solveStep } from '../robot/stepDriver.ts';

const USAGE = `usage: npm run shiplab -- check <lesson> [--step N] --commands FILE [--answer A] [--json] [--lessons DIR]
  --step N        1-based step number (default: the last step)
  --commands FILE lines typed into node1; prefix a line with "remote-docker-engine$ " for the other node
  --answer A      the answer to submit (question steps)
  --json          print the result as JSON
  --lessons DIR   the lessons folder (default: lessons)`;

interface CheckArgs {
  lesson: string;
  step?: number;
  commands?: string;
  answer?: string;
  json: boolean;
  lessons: string;
}

const OPTIONS = {
  step: { type: 'string', needs: 'a step number counted from 1 (not nothing)' },
  commands: { type: 'string', needs: 'a file' },
  answer: { type: 'string' },
  json: { type: 'boolean' },
  lessons: { type: 'string', needs: 'a folder' },
} as const satisfies CliOptions;

/** Exported for tests; a string is an error message for the user. */
export function parseCheckArgs(argv: string[]): CheckArgs | string {
  // An option's value is the next argument whatever it looks like: `--answer --json` answers "--json".
  const parsed = readArgs(argv, OPTIONS, { dashedValues: true });
  if (typeof parsed === 'string') return parsed;
  const { values, positionals } = parsed;
  const [lesson, other] = positionals;
  if (other !== undefined) return `one lesson at a time (got ${lesson} and ${other})`;
  const a: CheckArgs = { lesson: lesson ?? '', json: values.json ?? false, lessons: path.join(ROOT, 'lessons') };
  if (values.step !== undefined) {
    const n = Number(values.step);
    if (!Number.isInteger(n) || n < 1) return `--step needs a step number counted from 1 (not ${values.step})`;
    a.step = n;
  }
  if (values.commands !== undefined) a.commands = values.commands;
  if (values.answer !== undefined) a.answer = values.answer;
  if (values.lessons !== undefined) a.lessons = path.resolve(values.lessons);
  if (!lesson) return 'say which lesson: check <lesson> …';
  if (a.commands === undefined && a.answer === undefined) return '--commands FILE is required (or --answer A for a question step)';
  return a;
}

function readCommands(file: string, lesson: Lesson): CommandLine[] | string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return `cannot read the commands file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`;
  }
  const parsed = parseCommands(text);
  const first = parsed.problems[0];
  if (first) return `${file}:${first.index + 1}: ${first.message}`;
  const off = parsed.lines.find((l) => !lesson.meta.nodes.includes(l.node));
  if (off) return `${file}: "${off.text}" runs on ${off.node}, which lesson ${lesson.id} does not use (nodes: ${lesson.meta.nodes.join(', ')})`;
  return parsed.lines;
}

export function formatCheckResult(lesson: Lesson, step: Step, r: CheckResult): string {
  const lines = [`${lesson.id} step ${step.index + 1} "${step.title}": ${r.status} (${r.durationMs} ms)`];
  if (r.hint) lines.push(`  hint ${r.hint.id}: ${r.hint.text}`);
  if (r.expected !== undefined) lines.push(`  expected: ${r.expected}`);
  if (r.found !== undefined) lines.push(`  found: ${r.found}`);
  if (r.message !== undefined) lines.push(`  message: ${r.message}`);
  return lines.join('\n');
}

export async function runCheckCommand(argv: string[]): Promise<number> {
  const args = parseCheckArgs(argv);
  if (typeof args === 'string') {
    console.error(`check: ${args}\n${USAGE}`);
    return 2;
  }
  const service = await loadLessonService(args.lessons);
  const lesson = service.lesson(args.lesson);
  if (!lesson) {
    console.error(`check: no lesson "${args.lesson}" (known: ${service.lessons().map((l) => l.id).join(', ')})`);
    return 2;
  }
  if (lesson.problems.length) {
    console.error(`check: lesson ${lesson.id} is broken:\n${lesson.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    return 2;
  }
  const stepNumber = args.step ?? lesson.steps.length;
  const step = lesson.steps[stepNumber - 1];
  if (!step) {
    console.error(`check: lesson ${lesson.id} has steps 1 to ${lesson.steps.length}, not ${stepNumber}`);
    return 2;
  }
  const commands = args.commands === undefined ? [] : readCommands(args.commands, lesson);
  if (typeof commands === 'string') {
    console.error(`check: ${commands}`);
    return 2;
  }

  const say = (line: string) => process.stderr.write(`${line}\n`);
  say('starting a fresh sandbox (a first start builds images and may take minutes)…');
  const lab = await openLab(service, warningsOnly(logger('check')));
  let session: LabSession | undefined;
  try {
    session = await LabSession.start(lab.server.url, lesson.id, lab.sandboxes);
    say(`sandbox ${session.sandbox.id} ready`);
    for (const earlier of lesson.steps.slice(0, step.index)) {
      say(`solving step ${earlier.index + 1} "${earlier.title}"…`);
      await solveStep(session, lesson, earlier);
    }
    say(`typing ${commands.length} line(s) for step ${step.index + 1} "${step.title}"…`);
    await session.type(commands);
    const s = session;
    const result = await settledCheck(() => s.check(lesson.id, step.index, args.answer));
    if (args.json) process.stdout.write(`${JSON.stringify({ lesson: lesson.id, step: step.index + 1, stepId: step.id, result }, null, 2)}\n`);
    else process.stdout.write(`${formatCheckResult(lesson, step, result)}\n`);
    return result.passed ? 0 : 1;
  } finally {
    await session?.close();
    await lab.close();
  }
}
