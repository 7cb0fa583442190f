/**
 * A Markdown file's YAML front matter (between `---` lines at the top), parsed with line
 * positions so every schema problem can name the line it is on.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';

export type FieldPath = ReadonlyArray<string | number>;

/** `attempts[0].hint` */
export function pathText(path: FieldPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

export interface FrontMatter {
  /** The front matter as plain data (undefined when the file has none or it is empty). */
  data: unknown;
  /** YAML syntax errors, located. */
  errors: { line: number; message: string }[];
  /** 1-based file line of the value (or key) at `path`; the closest existing ancestor when it is absent. */
  lineOf(path: FieldPath): number;
  /** 1-based file line where the front matter starts (the line after the opening `---`), or 1 if there is none. */
  startLine: number;
}

export interface SplitFile {
  /** Undefined when the file does not start with a `---` line. */
  frontMatter?: FrontMatter;
  body: string;
  /** 1-based line of the body's first line. */
  bodyLine: number;
  /** Set when an opening `---` has no closing one. */
  unclosed?: boolean;
}

const FENCE = /^---\s*$/;
const CLOSE = /^(---|\.\.\.)\s*$/;

export function splitFrontMatter(text: string): SplitFile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (!FENCE.test(lines[0] ?? '')) return { body: lines.join('\n'), bodyLine: 1 };
  const end = lines.findIndex((l, i) => i > 0 && CLOSE.test(l));
  if (end < 0) return { body: '', bodyLine: lines.length + 1, unclosed: true, frontMatter: parseFrontMatter(lines.slice(1).join('\n'), 2) };
  return {
    frontMatter: parseFrontMatter(lines.slice(1, end).join('\n'), 2),
    body: lines.slice(end + 1).join('\n'),
    bodyLine: end + 2,
  };
}

function parseFrontMatter(yamlText: string, startLine: number): FrontMatter {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const toFileLine = (offset: number) => startLine + Math.max(lineCounter.linePos(offset).line, 1) - 1;
  const errors = doc.errors.map((e) => ({
    line: toFileLine(e.pos[0]),
    message: `front matter is not valid YAML: ${e.message.split('\n')[0]}`,
  }));
  return {
    data: errors.length ? undefined : doc.toJS(),
    errors,
    startLine,
    lineOf: (path) => toFileLine(offsetOf(doc, path)),
  };
}

function offsetOf(doc: Document, path: FieldPath): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === seg);
      if (!pair) return offset;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
      // A value on its own line (a block) is better located by its key; a scalar sits on the key's line.
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) return offset;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] | null }).range;
    return range ? range[0] : undefined;
  }
  return undefined;
}
