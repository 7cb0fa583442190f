/**
 * The front-matter schemas of lesson.md and step files (docs/lesson-format.md), as small
 * hand-written readers that report every problem with its field path instead of stopping at
 * the first one.
 */
import { NODE_NAMES, isNodeName, type NodeName } from '../../common/api.ts';
import { pathText, type FieldPath } from './frontMatter.ts';

export type Report = (path: FieldPath, message: string) => void;

type Obj = Record<string, unknown>;

export const LESSON_ID = /^[a-z0-9][a-z0-9-]*$/;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `a string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `a ${typeof v} ${String(v)}`;
}

function wrongType(report: Report, path: FieldPath, want: string, got: unknown): void {
  report(path, `${pathText(path)} must be ${want} (not ${describe(got)})`);
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reports keys that are not in `known`. */
export function checkKeys(obj: Obj, known: readonly string[], at: FieldPath, report: Report): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      report([...at, key], `unknown key "${pathText([...at, key])}" (known: ${known.join(', ')})`);
    }
  }
}

function missing(report: Report, path: FieldPath): void {
  report(path.slice(0, -1), `missing required key "${pathText(path)}"`);
}

export function readString(obj: Obj, path: FieldPath, report: Report, required: true): string | undefined;
export function readString(obj: Obj, path: FieldPath, report: Report, required?: boolean): string | undefined;
export function readString(obj: Obj, path: FieldPath, report: Report, required = false): string | undefined {
  const key = path[path.length - 1] as string;
  const v = obj[key];
  if (v === undefined || v === null) {
    if (required) missing(report, path);
    return undefined;
  }
  if (typeof v !== 'string') return wrongType(report, path, 'a string', v), undefined;
  if (required && v.trim() === '') return report(path, `${pathText(path)} is empty`), undefined;
  return v;
}

/** A string, or a number YAML read from an unquoted answer such as `answer: 1`. */
export function readText(obj: Obj, path: FieldPath, report: Report): string | undefined {
  const key = path[path.length - 1] as string;
  const v = obj[key];
  if (typeof v === 'number') return String(v);
  return readString(obj, path, report);
}

export function readNumber(obj: Obj, path: FieldPath, report: Report, opts: { required?: boolean; positive?: boolean } = {}): number | undefined {
  const key = path[path.length - 1] as string;
  const v = obj[key];
  if (v === undefined || v === null) {
    if (opts.required) missing(report, path);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) return wrongType(report, path, 'a number', v), undefined;
  if (opts.positive && v <= 0) return report(path, `${pathText(path)} must be more than 0 (not ${v})`), undefined;
  return v;
}

export function readStringList(obj: Obj, path: FieldPath, report: Report, required = false): string[] | undefined {
  const key = path[path.length - 1] as string;
  const v = obj[key];
  if (v === undefined || v === null) {
    if (required) missing(report, path);
    return undefined;
  }
  if (!Array.isArray(v)) return wrongType(report, path, 'a list of strings', v), undefined;
  const out: string[] = [];
  v.forEach((item, i) => {
    if (typeof item === 'string') out.push(item);
    else wrongType(report, [...path, i], 'a string', item);
  });
  return out;
}

export function readNodes(obj: Obj, path: FieldPath, report: Report): NodeName[] | undefined {
  const list = readStringList(obj, path, report, true);
  if (!list) return undefined;
  if (list.length === 0) return report(path, `${pathText(path)} is empty; name at least node1`), undefined;
  const out: NodeName[] = [];
  list.forEach((n, i) => {
    if (!isNodeName(n)) report([...path, i], `${pathText(path)}[${i}] "${n}" is not a node (known: ${NODE_NAMES.join(', ')})`);
    else if (out.includes(n)) report([...path, i], `${pathText(path)}[${i}] "${n}" is listed twice`);
    else out.push(n);
  });
  return out;
}

/** A map of string → string, e.g. hints. */
export function readStringMap(obj: Obj, path: FieldPath, report: Report): Record<string, string> | undefined {
  const key = path[path.length - 1] as string;
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) return wrongType(report, path, 'a map of id: text', v), undefined;
  const out: Record<string, string> = {};
  for (const [k, text] of Object.entries(v)) {
    if (!LESSON_ID.test(k)) report([...path, k], `${pathText([...path, k])}: hint ids are lowercase words joined by - (like no-host)`);
    else if (typeof text !== 'string' || text.trim() === '') wrongType(report, [...path, k], 'a non-empty string', text);
    else out[k] = text.trim();
  }
  return out;
}
