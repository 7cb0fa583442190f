/**
 * The parsed form of a lesson folder (docs/lesson-format.md). format.ts builds it; render.ts,
 * the runner, the service and the validator read it. Plain data: no functions, no HTML.
 */
import type { LessonSummary, NodeName } from '../common/api.ts';

/** One problem in a lesson's files, located for the author. */
export interface LessonProblem {
  /** Absolute path of the file. */
  file: string;
  /** 1-based line in that file; 0 when the problem is about the whole file or folder. */
  line: number;
  message: string;
}

/** A fenced block tagged with a node (```bash @node1): one piece of the step's solution. */
export interface RunnableBlock {
  node: NodeName;
  /** The block's text; typed one line at a time. */
  code: string;
  /** 1-based line of the opening fence in the step file. */
  line: number;
}

/** One line an attempt or a commands file types, with the node it goes to. */
export interface CommandLine {
  node: NodeName;
  text: string;
}

/** A known wrong attempt: it must fail with `hint`. */
export interface Attempt {
  name: string;
  /** Lines typed into the terminals (node1 unless prefixed `remote-docker-engine$ `). */
  commands: CommandLine[];
  /** For question steps: the answer the attempt submits. */
  answer?: string;
  hint: string;
  /** 1-based line of the attempt in the step file. */
  line: number;
}

export interface Step {
  /** 0-based position in the lesson. */
  index: number;
  /** The number in the file name (01, 02 …). */
  number: number;
  /** The file stem, e.g. `02-tag-and-push`. */
  id: string;
  /** Absolute paths. */
  file: string;
  checkFile: string;
  title: string;
  /** hint id → text. */
  hints: Record<string, string>;
  attempts: Attempt[];
  question?: string;
  /** Question steps: a command run on node1 whose trimmed output is the right answer (validator only). */
  answer?: string;
  /** Markdown after the front matter. */
  body: string;
  /** 1-based line of the body's first line in the file, to locate things found in it. */
  bodyLine: number;
  blocks: RunnableBlock[];
}

/**
 * lesson.md's front matter: what the lesson list shows (LessonSummary in server/common/api.ts),
 * less what the server derives (the folder's id, the step count, the error of a broken lesson).
 */
export type LessonMeta = Omit<LessonSummary, 'id' | 'steps' | 'error'>;

export interface Lesson {
  /** The folder name. */
  id: string;
  /** Absolute path of the folder. */
  dir: string;
  meta: LessonMeta;
  intro: string;
  recap: string;
  steps: Step[];
  /** Empty when the lesson is sound; otherwise it is listed with an error and cannot be started. */
  problems: LessonProblem[];
}
