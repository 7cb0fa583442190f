/**
 * Reads lesson folders as docs/lesson-format.md describes them. A broken lesson comes back with
 * its problems (file, line, what is wrong) and never takes the other lessons down.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NODE_NAMES, isNodeName, type NodeName } from '../common/api.ts';
import { findTaggedBlocks } from './format/blocks.ts';
import { parseCommands } from './format/commands.ts';
import { splitFrontMatter, type FieldPath, type FrontMatter } from './format/frontMatter.ts';
import { LESSON_ID, LESSON_SCHEMA, STEP_SCHEMA, isObj, readFrontMatter, type Report, type StepFrontMatter } from './format/schema.ts';
import type { Attempt, Lesson, LessonMeta, LessonProblem, RunnableBlock, Step } from './model.ts';

const STEP_FILE = /^(\d+)-([a-z0-9][a-z0-9-]*)\.md$/;
const CHECK_SUFFIX = '.check.ts';

/** `lessons/x/02-push.md:5: attempts[0].hint …`, with the path relative to the working directory when inside it. */
export function formatProblem(p: LessonProblem): string {
  const rel = path.relative(process.cwd(), p.file);
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p.file;
  return p.line > 0 ? `${shown}:${p.line}: ${p.message}` : `${shown}: ${p.message}`;
}

/** Loads every lesson folder under `dir` (sorted by order, then id) and checks links between them. */
export async function loadLessons(dir: string): Promise<Lesson[]> {
  const root = path.resolve(dir);
  const entries = await fs.promises.readdir(root, { withFileTypes: true }).catch((err: Error) => {
    throw new Error(`cannot read the lessons folder ${root}: ${err.message}`);
  });
  const lessons = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_'))
    .map((e) => parseLesson(path.join(root, e.name)));
  checkLinks(lessons);
  return lessons.sort((a, b) => a.meta.order - b.meta.order || a.id.localeCompare(b.id));
}

/** Parses one lesson folder; problems are collected, never thrown. */
export function parseLesson(dir: string): Lesson {
  const id = path.basename(dir);
  const problems: LessonProblem[] = [];
  const lessonFile = path.join(dir, 'lesson.md');
  const meta: LessonMeta = { title: id, summary: '', minutes: 0, nodes: ['node1'], prerequisites: [], order: Number.MAX_SAFE_INTEGER };
  const lesson: Lesson = { id, dir, meta, intro: '', recap: '', steps: [], problems };
  if (!LESSON_ID.test(id)) {
    problems.push({ file: dir, line: 0, message: `lesson folder names are lowercase words joined by - (like private-registry), not "${id}"` });
  }
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch (err) {
    problems.push({ file: dir, line: 0, message: `cannot read the folder: ${(err as Error).message}` });
    return lesson;
  }

  if (!names.includes('lesson.md')) {
    problems.push({ file: lessonFile, line: 0, message: 'missing lesson.md (front matter with title, summary, minutes, nodes, order)' });
  } else {
    const split = splitFrontMatter(fs.readFileSync(lessonFile, 'utf8'));
    lesson.intro = split.body;
    const fm = requireFrontMatter(split, lessonFile, problems);
    if (fm && isObj(fm.data)) readLessonMeta(fm.data, meta, reporter(lessonFile, fm, problems));
  }
  if (names.includes('recap.md')) lesson.recap = fs.readFileSync(path.join(dir, 'recap.md'), 'utf8');

  const byNumber = new Map<number, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    if (name === 'lesson.md' || name === 'recap.md') continue;
    if (name.endsWith(CHECK_SUFFIX)) {
      if (!names.includes(name.slice(0, -CHECK_SUFFIX.length) + '.md')) {
        problems.push({ file, line: 0, message: `a check with no step: there is no ${name.slice(0, -CHECK_SUFFIX.length)}.md beside it` });
      }
      continue;
    }
    if (!name.endsWith('.md')) continue; // files/, tests and other material are not part of the format
    const m = STEP_FILE.exec(name);
    if (!m) {
      problems.push({ file, line: 0, message: 'not a step: step files are named NN-slug.md (like 02-tag-and-push.md); the others are lesson.md and recap.md' });
      continue;
    }
    const number = Number(m[1]);
    const twin = byNumber.get(number);
    if (twin !== undefined) {
      problems.push({ file, line: 0, message: `step number ${m[1]} is used twice (${twin} and ${name}); number each step once` });
      continue;
    }
    byNumber.set(number, name);
    const step = parseStep(file, number, lesson.steps.length, meta.nodes, problems);
    if (!names.includes(`${step.id}${CHECK_SUFFIX}`)) {
      problems.push({ file, line: 0, message: `missing ${step.id}${CHECK_SUFFIX} beside the step (export default defineCheck(…))` });
    }
    lesson.steps.push(step);
  }
  if (lesson.steps.length === 0 && names.includes('lesson.md')) {
    problems.push({ file: dir, line: 0, message: 'the lesson has no steps (files named NN-slug.md)' });
  }
  return lesson;
}

function reporter(file: string, fm: FrontMatter, problems: LessonProblem[]): Report {
  return (at: FieldPath, message: string) => problems.push({ file, line: fm.lineOf(at), message });
}

function requireFrontMatter(split: ReturnType<typeof splitFrontMatter>, file: string, problems: LessonProblem[]): FrontMatter | undefined {
  const fm = split.frontMatter;
  if (!fm) {
    problems.push({ file, line: 1, message: 'missing front matter: the file must start with a --- line, then YAML, then ---' });
    return undefined;
  }
  if (split.unclosed) problems.push({ file, line: 1, message: 'the front matter has no closing --- line' });
  for (const e of fm.errors) problems.push({ file, line: e.line, message: e.message });
  if (fm.errors.length) return undefined;
  if (!isObj(fm.data)) {
    problems.push({ file, line: fm.startLine, message: 'the front matter must be a map of key: value' });
    return undefined;
  }
  return fm;
}

function readLessonMeta(data: Record<string, unknown>, meta: LessonMeta, report: Report): void {
  const fm = readFrontMatter(LESSON_SCHEMA, data, report);
  meta.title = fm.title ?? meta.title;
  meta.summary = fm.summary ?? meta.summary;
  meta.minutes = fm.minutes ?? meta.minutes;
  // A list of names, even a broken one, gives its known nodes (each once) to the steps' checks.
  if (fm.nodes?.some((n) => n !== undefined)) meta.nodes = [...new Set(fm.nodes.filter((n) => n !== undefined && isNodeName(n)))];
  meta.order = fm.order ?? meta.order;
  if (fm.prerequisites) meta.prerequisites = fm.prerequisites.filter((p) => p !== undefined);
  if (typeof fm.next === 'string') meta.next = fm.next;
}

function parseStep(file: string, number: number, index: number, nodes: NodeName[], problems: LessonProblem[]): Step {
  const id = path.basename(file, '.md');
  const split = splitFrontMatter(fs.readFileSync(file, 'utf8'));
  const step: Step = {
    index, number, id, file,
    checkFile: path.join(path.dirname(file), `${id}${CHECK_SUFFIX}`),
    title: id, hints: {}, attempts: [], body: split.body, bodyLine: split.bodyLine, blocks: [],
  };
  step.blocks = readBlocks(step, nodes, problems);
  const fm = requireFrontMatter(split, file, problems);
  if (!fm || !isObj(fm.data)) return step;
  const data = fm.data;
  const report = reporter(file, fm, problems);
  const front = readFrontMatter(STEP_SCHEMA, data, report);
  step.title = front.title ?? step.title;
  step.hints = front.hints ?? {};
  const question = front.question ?? undefined;
  const answer = front.answer ?? undefined;
  if (question !== undefined) step.question = question;
  if (answer !== undefined) step.answer = answer;
  if (question !== undefined && answer === undefined) {
    report([], 'a question step needs "answer": a command whose output on node1 is the right answer');
  }
  if (question === undefined && answer !== undefined) {
    report(['answer'], '"answer" is only for question steps; add "question" or remove "answer"');
  }
  if (question === undefined && step.blocks.length === 0) {
    problems.push({ file, line: step.bodyLine, message: 'the step has no runnable block (```bash @node1), so nothing solves it' });
  }
  step.attempts = readAttempts(front.attempts ?? [], step, nodes, fm, report);
  return step;
}

function readBlocks(step: Step, nodes: NodeName[], problems: LessonProblem[]): RunnableBlock[] {
  const blocks: RunnableBlock[] = [];
  for (const b of findTaggedBlocks(step.body)) {
    const line = step.bodyLine + b.line - 1;
    if (!b.info.node) {
      problems.push({ file: step.file, line, message: `runnable block names unknown node "${b.info.nodeName}" (known: ${NODE_NAMES.join(', ')})` });
    } else if (!nodes.includes(b.info.node)) {
      problems.push({ file: step.file, line, message: `runnable block runs on ${b.info.node}, which is not in lesson.md nodes (${nodes.join(', ')})` });
    } else if (b.code.trim() === '') {
      problems.push({ file: step.file, line, message: 'runnable block is empty' });
    } else {
      blocks.push({ node: b.info.node, code: b.code, line });
    }
  }
  return blocks;
}

/** The attempts' relations to the rest of the step (their shape is STEP_SCHEMA's). */
function readAttempts(raw: NonNullable<StepFrontMatter['attempts']>, step: Step, nodes: NodeName[], fm: FrontMatter, report: Report): Attempt[] {
  const attempts: Attempt[] = [];
  raw.forEach((item, i) => {
    if (item === undefined) return; // not a map: reported
    const at = ['attempts', i];
    const { name, hint } = item;
    const commands = item.commands ?? undefined;
    const answer = item.answer ?? undefined;
    if (hint !== undefined && !(hint in step.hints)) {
      const known = Object.keys(step.hints);
      report([...at, 'hint'], `attempts[${i}].hint "${hint}" is not in hints (known: ${known.length ? known.join(', ') : 'none'})`);
    }
    if (commands === undefined && answer === undefined) report(at, `attempts[${i}] needs commands (or, on a question step, answer)`);
    if (answer !== undefined && step.question === undefined) report([...at, 'answer'], `attempts[${i}].answer is only for question steps`);
    const parsed = parseCommands(commands ?? '');
    for (const p of parsed.problems) report([...at, 'commands'], `attempts[${i}].commands line ${p.index + 1}: ${p.message}`);
    for (const l of parsed.lines) {
      if (!nodes.includes(l.node)) report([...at, 'commands'], `attempts[${i}].commands runs on ${l.node}, which is not in lesson.md nodes (${nodes.join(', ')})`);
    }
    if (name === undefined || hint === undefined) return;
    attempts.push({ name, hint, commands: parsed.lines, ...(answer !== undefined && { answer }), line: fm.lineOf(at) });
  });
  return attempts;
}

/** `next` and `prerequisites` must name lessons that exist (and not the lesson itself). */
function checkLinks(lessons: Lesson[]): void {
  const ids = new Set(lessons.map((l) => l.id));
  for (const lesson of lessons) {
    const file = path.join(lesson.dir, 'lesson.md');
    if (!fs.existsSync(file)) continue;
    const split = splitFrontMatter(fs.readFileSync(file, 'utf8'));
    const lineOf = (p: FieldPath) => split.frontMatter?.lineOf(p) ?? 1;
    const known = () => [...ids].filter((id) => id !== lesson.id).sort().join(', ') || 'none';
    const { next, prerequisites } = lesson.meta;
    if (next !== undefined && (!ids.has(next) || next === lesson.id)) {
      lesson.problems.push({ file, line: lineOf(['next']), message: `next "${next}" is not another lesson (known: ${known()})` });
    }
    prerequisites.forEach((p, i) => {
      if (!ids.has(p) || p === lesson.id) {
        lesson.problems.push({ file, line: lineOf(['prerequisites', i]), message: `prerequisites[${i}] "${p}" is not another lesson (known: ${known()})` });
      }
    });
  }
}
