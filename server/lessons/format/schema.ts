/**
 * The front-matter schemas of lesson.md and step files (docs/lesson-format.md), in zod. Every
 * problem is reported with its field path (which frontMatter.ts turns into a line), all of them,
 * not only the first; and what is valid is still read (`salvage`), so one wrong field does not
 * hide what the others imply.
 *
 * The messages are made where the problem is known: each schema's `error` callback words its own
 * issues (`minutes must be a number (not a string "five")`). A key with no value (`title:`, YAML
 * null) is as if it were absent. What relates a file to other data (an attempt's hint to `hints`,
 * `question` to `answer`, nodes to lesson.md) is checked by format.ts.
 */
import { z } from 'zod';
import { NODE_NAMES, isNodeName } from '../../common/api.ts';
import { pathText, type FieldPath } from './frontMatter.ts';

export type Report = (path: FieldPath, message: string) => void;

export const LESSON_ID = /^[a-z0-9][a-z0-9-]*$/;

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `a string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `a ${typeof v} ${String(v)}`;
}

/** What an `error` callback sees of an issue: the callback words the message. */
interface RawIssue {
  code?: string;
  input?: unknown;
  path?: PropertyKey[];
}

const at = (iss: RawIssue): string => pathText(fieldPath(iss.path ?? []));

function fieldPath(path: readonly PropertyKey[]): FieldPath {
  return path.map((seg) => (typeof seg === 'number' ? seg : String(seg)));
}

/** `title must be a string (not a number 5)`. */
const wrongType = (want: string) => (iss: RawIssue) => `${at(iss)} must be ${want} (not ${describe(iss.input)})`;

/** A required key: absent or null is missing, anything else of the wrong type is named. */
const requiredType = (want: string) => (iss: RawIssue) =>
  iss.input === undefined || iss.input === null ? `missing required key "${at(iss)}"` : wrongType(want)(iss);

/** A map with exactly these keys; an unknown key's issue carries the known ones (see `reportIssues`). */
function strictMap<S extends z.ZodRawShape>(shape: S, notAMap: (iss: RawIssue) => string) {
  const known = `(known: ${Object.keys(shape).join(', ')})`;
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? known : notAMap(iss)) });
}

const requiredString = z
  .string({ error: requiredType('a string') })
  .refine((s) => s.trim() !== '', { error: (iss) => `${at(iss)} is empty` });

const optionalString = z.string({ error: wrongType('a string') }).nullish();

/** A string, or a number YAML read from an unquoted answer such as `answer: 1`. */
const optionalText = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), optionalString);

const stringList = z.array(z.string({ error: wrongType('a string') }), { error: wrongType('a list of strings') });

/** The nodes a lesson uses: at least one, each a known node, each once (format.ts keeps the known ones). */
const nodeList = z
  .array(z.string({ error: wrongType('a string') }), { error: requiredType('a list of strings') })
  .superRefine((list: unknown, ctx) => {
    // Runs even when an item is not a string (`when`): what holds of the other items still holds.
    if (!Array.isArray(list)) return;
    const names = list.flatMap((n, i) => (typeof n === 'string' ? [{ n, i }] : []));
    if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'nodes is empty; name at least node1' });
    const seen = new Set<string>();
    for (const { n, i } of names) {
      if (!isNodeName(n)) ctx.addIssue({ code: 'custom', path: [i], message: `nodes[${i}] "${n}" is not a node (known: ${NODE_NAMES.join(', ')})` });
      else if (seen.has(n)) ctx.addIssue({ code: 'custom', path: [i], message: `nodes[${i}] "${n}" is listed twice` });
      seen.add(n);
    }
  }, { when: () => true });

export const LESSON_SCHEMA = strictMap({
  title: requiredString,
  summary: requiredString,
  minutes: z.number({ error: requiredType('a number') }).gt(0, { error: (iss) => `${at(iss)} must be more than 0 (not ${String(iss.input)})` }),
  nodes: nodeList,
  prerequisites: stringList.nullish(),
  order: z.number({ error: requiredType('a number') }),
  next: optionalString,
}, () => 'the front matter must be a map of key: value');

/** hint id → text (trimmed). */
const hintMap = z.record(
  z.string().regex(LESSON_ID),
  z.string({ error: wrongType('a non-empty string') })
    .refine((s) => s.trim() !== '', { error: wrongType('a non-empty string') })
    .transform((s) => s.trim()),
  {
    error: (iss) => (iss.code === 'invalid_key'
      ? `${at(iss)}: hint ids are lowercase words joined by - (like no-host)`
      : wrongType('a map of id: text')(iss)),
  },
);

const attempt = strictMap({
  name: requiredString,
  commands: optionalString,
  answer: optionalText,
  hint: requiredString,
}, (iss) => `${at(iss)} must be a map with name, commands and hint`);

/** No `setup`: the live lab has no moment to run hidden commands, so a validated step would differ from the learner's. */
export const STEP_SCHEMA = strictMap({
  title: requiredString,
  hints: hintMap.nullish(),
  attempts: z.array(attempt, { error: () => 'attempts must be a list of { name, commands, hint }' }).nullish(),
  question: optionalString,
  answer: optionalString,
}, () => 'the front matter must be a map of key: value');

/**
 * What is left of a schema's output when parts are invalid: any field may be missing, a list
 * keeps its places (undefined for an invalid item), a record keeps its valid entries.
 */
export type Salvaged<T> = T extends readonly (infer E)[]
  ? (Salvaged<E> | undefined)[]
  : T extends object ? (string extends keyof T ? T : { [K in keyof T]?: Salvaged<T[K]> }) : T;

/** A step file's front matter as read: the attempts as they stand in the file (undefined: not a map). */
export type StepFrontMatter = Salvaged<z.output<typeof STEP_SCHEMA>>;

/**
 * Reads front-matter `data` with `schema`: reports every issue at its path and returns the
 * valid parts (all of it when there is no issue).
 */
export function readFrontMatter<S extends z.ZodType>(schema: S, data: unknown, report: Report): Salvaged<z.output<S>> {
  const result = schema.safeParse(data);
  if (result.success) return result.data as Salvaged<z.output<S>>;
  reportIssues(result.error.issues, report);
  return salvage(schema, data) as Salvaged<z.output<S>>;
}

function reportIssues(issues: readonly z.core.$ZodIssue[], report: Report): void {
  // A map's unknown keys first (zod finds them after its fields' problems).
  const ordered: z.core.$ZodIssue[] = [];
  for (const iss of issues) {
    const under = iss.code === 'unrecognized_keys' ? ordered.findIndex((o) => iss.path.every((seg, i) => o.path[i] === seg)) : -1;
    ordered.splice(under < 0 ? ordered.length : under, 0, iss);
  }
  for (const iss of ordered) {
    const path = fieldPath(iss.path);
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) report([...path, key], `unknown key "${pathText([...path, key])}" ${iss.message}`);
    } else {
      report(path, iss.message);
    }
  }
}

/** The parts of `value` that `schema` accepts: a map's valid fields, a list's valid items (in place), a record's valid entries. */
function salvage(schema: z.core.$ZodType, value: unknown): unknown {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return salvage(schema.unwrap(), value);
  if (schema instanceof z.ZodObject && isObj(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.core.$ZodType>)) {
      const v = salvage(field, value[key]);
      if (v !== undefined && v !== null) out[key] = v;
    }
    return out;
  }
  if (schema instanceof z.ZodArray && Array.isArray(value)) return value.map((item) => salvage(schema.element, item));
  if (schema instanceof z.ZodRecord && isObj(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const entry = z.safeParse(schema.valueType, v);
      if (z.safeParse(schema.keyType, key).success && entry.success) out[key] = entry.data;
    }
    return out;
  }
  return undefined;
}
