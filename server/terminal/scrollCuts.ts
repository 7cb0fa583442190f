/**
 * What of a terminal's output may go unparsed because it would scroll out of the screen and the
 * scrollback anyway: whole lines of plain text (lineCuts) and whole rows of long wrapped lines
 * (runCuts). Pure functions on text, valid from any terminal state the text may start in. The
 * screen mirror drops them before its parser (screenMirror.ts); a client's output queue drops them
 * while the client is behind (outputQueue.ts), so a slow page gets the same screen without the bytes
 * nobody can see.
 */

/** Pending output is compacted as soon as it grows past this many characters; while the shell
 * writes one long line, three times what a wrapped line must keep (runKeepChars) if that is
 * more: the line must grow past its keep before it can be cut, and what a cut keeps stays below
 * half of the threshold, or it would be parsed at once. At 120 columns that is ~370 K characters
 * per terminal, only while such a line runs; floods of short lines compact at 64 K. */
export const COMPACT_AT_CHARS = 64 * 1024;

/** Characters that leave every cell they touch to the lines they are on: printable text, CR,
 * LF, tab, backspace. Anything else (ESC, BEL, other C0, DEL, C1) may move the cursor, change
 * modes or the pen, or start a string, so text is only dropped between two of those. */
const NOT_PLAIN = /[\x00-\x07\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;

export interface Range {
  from: number;
  to: number;
}

/** What the cuts read of text: a string, or chunks read as one (ChunkText). */
interface Text {
  readonly length: number;
  charCodeAt(i: number): number;
  indexOf(c: string, from: number): number;
  lastIndexOf(c: string, from: number): number;
}

const CR = 0x0d;

/**
 * What of the plain text in [start, end) may go unparsed: a range [from, to) of whole lines, or
 * undefined. Past `to`, `keepLines` line feeds follow before `end`, so the lines of the range
 * scroll out of a screen plus scrollback of fewer than `keepLines` rows anyway (a wrapped line
 * only scrolls more; in a scroll region or the alternate screen they scroll out just the same).
 * The segment's first line stays (it may end an escape sequence begun before `start`, by the
 * parser or in this text), and the range lies between two CR LF, so the cursor is in column 0
 * after it with or without it.
 */
export function plainCut(text: Text, keepLines: number, start = 0, end = text.length): Range | undefined {
  let first = text.indexOf('\n', start);
  // Text that starts with the line feed of a CR LF split from it (a read or a frame ended
  // between the two): that line feed is the first line.
  if (first === start) first = text.indexOf('\n', start + 1);
  if (first <= start || first >= end || text.charCodeAt(first - 1) !== CR) return undefined;
  let at = end;
  for (let n = 0; n < keepLines; n++) {
    at = text.lastIndexOf('\n', at - 1);
    if (at <= first) return undefined;
  }
  // `at` is a line feed with keepLines line feeds from it on: the range ends after the one before
  // it, if that one ends a CR LF and is not the first line's.
  const last = text.lastIndexOf('\n', at - 1);
  if (last <= first || text.charCodeAt(last - 1) !== CR) return undefined;
  return { from: first + 1, to: last + 1 };
}

/** plainCut in every plain segment (between characters that are not plain) long enough to hold
 * `keepLines` lines; ascending. */
export function lineCuts(text: string | ChunkText, keepLines: number): Range[] {
  const cuts: Range[] = [];
  // A segment needs more than keepLines CR LF pairs to give anything up.
  const min = 2 * keepLines + 2;
  for (let start = 0; ; ) {
    const end = typeof text === 'string' ? notPlainFrom(text, start) : text.notPlainFrom(start);
    if (end - start > min) {
      const cut = plainCut(text, keepLines, start, end);
      if (cut) cuts.push(cut);
    }
    if (end >= text.length) return cuts;
    start = end + 1;
  }
}

/** Where the first character that is not plain is in `text` from `from` on; its length if none. */
function notPlainFrom(text: string, from: number): number {
  NOT_PLAIN.lastIndex = from;
  const m = NOT_PLAIN.exec(text);
  return m ? m.index : text.length;
}

/**
 * Chunks of text read as the one string they make, without making it: V8 makes a string over
 * 128 KiB (64 K two-byte characters) in its large-object space, at ~3 ns a byte here against 0.05
 * below that, and the text a terminal keeps of a flood of long lines (~1,050 lines of 150
 * characters) is over that (see compactChunks).
 */
export class ChunkText implements Text {
  readonly length: number;
  private readonly _chunks: string[];
  /** Where each chunk starts in the whole. */
  private readonly _starts: number[] = [];
  /** The chunk _chunkAt found last. */
  private _last = 0;

  constructor(chunks: readonly string[]) {
    this._chunks = chunks.filter((c) => c.length > 0);
    let at = 0;
    for (const c of this._chunks) {
      this._starts.push(at);
      at += c.length;
    }
    this.length = at;
  }

  /** The chunk that holds position `pos` (0 <= pos < length): the last one found if it does
   * (runCuts walks a run a character at a time), else by binary search. */
  private _chunkAt(pos: number): number {
    const last = this._last;
    if (last < this._chunks.length && this._starts[last]! <= pos && pos < this._starts[last]! + this._chunks[last]!.length) return last;
    let lo = 0;
    let hi = this._chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this._starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    this._last = lo;
    return lo;
  }

  charCodeAt(pos: number): number {
    if (pos < 0 || pos >= this.length) return NaN;
    const k = this._chunkAt(pos);
    return this._chunks[k]!.charCodeAt(pos - this._starts[k]!);
  }

  /** String#indexOf of one character. */
  indexOf(c: string, from: number): number {
    if (from >= this.length) return -1;
    for (let k = this._chunkAt(Math.max(0, from)); k < this._chunks.length; k++) {
      const start = this._starts[k]!;
      const i = this._chunks[k]!.indexOf(c, Math.max(0, from - start));
      if (i >= 0) return start + i;
    }
    return -1;
  }

  /** String#lastIndexOf of one character: at `from` or before it. */
  lastIndexOf(c: string, from: number): number {
    if (this.length === 0) return -1;
    from = Math.max(0, Math.min(from, this.length - 1));
    for (let k = this._chunkAt(from); k >= 0; k--) {
      const start = this._starts[k]!;
      const i = this._chunks[k]!.lastIndexOf(c, from - start);
      if (i >= 0) return start + i;
    }
    return -1;
  }

  /** notPlainFrom over the chunks. */
  notPlainFrom(from: number): number {
    if (from >= this.length) return this.length;
    for (let k = this._chunkAt(from); k < this._chunks.length; k++) {
      const start = this._starts[k]!;
      const i = notPlainFrom(this._chunks[k]!, Math.max(0, from - start));
      if (i < this._chunks[k]!.length) return start + i;
    }
    return this.length;
  }

  /** The text without the ranges (ascending, disjoint), as slices of the chunks. */
  without(ranges: readonly Range[]): string[] {
    const out: string[] = [];
    const keep = (from: number, to: number) => {
      for (let k = from < this.length ? this._chunkAt(from) : this._chunks.length; k < this._chunks.length && this._starts[k]! < to; k++) {
        const start = this._starts[k]!;
        const c = this._chunks[k]!;
        const a = Math.max(0, from - start);
        const b = Math.min(c.length, to - start);
        if (b > a) out.push(a === 0 && b === c.length ? c : c.slice(a, b));
      }
    };
    let at = 0;
    for (const r of ranges) {
      keep(at, r.from);
      at = r.to;
    }
    keep(at, this.length);
    return out;
  }
}

/** `text` without the ranges (ascending, disjoint). */
export function without(text: string, ranges: readonly Range[]): string {
  if (ranges.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const r of ranges) {
    parts.push(text.slice(at, r.from));
    at = r.to;
  }
  parts.push(text.slice(at));
  // join copies into one flat string: slices of the old one would keep all of it alive.
  return parts.join('');
}

/** Line feeds in `text`, counted up to `limit` (a flood of short lines holds one every few
 * characters: counting them all cost 2.6 ms a MB of `yes`). */
export function countLineFeeds(text: string, limit = Infinity): number {
  let n = 0;
  for (let at = text.indexOf('\n'); at >= 0 && n < limit; at = text.indexOf('\n', at + 1)) n++;
  return n;
}

/** Printable ASCII (' ' to '~'): one cell each, so a run of them wraps exactly every `cols`
 * characters. */
const isPrintableAscii = (c: number) => c >= 0x20 && c <= 0x7e;
/** A character that can end a CSI or ESC sequence (its final byte). */
const endsSequence = (c: number) => c >= 0x40 && c <= 0x7e;

/** The length of the run of printable ASCII at the end of `before` + `data`, given the one at the
 * end of `before` (walks `data` back from its end to its last other character). */
export function trailingRun(data: string, before: number): number {
  let i = data.length;
  while (i > 0 && isPrintableAscii(data.charCodeAt(i - 1))) i--;
  return i === 0 ? before + data.length : data.length - i;
}

/** How many characters of a wrapped run must stay after a cut (runCuts): its rows alone then fill
 * `keepLines` rows, the screen and the scrollback. */
export function runKeepChars(keepLines: number, cols: number): number {
  return (keepLines + 1) * cols;
}

/**
 * What of pending plain output may go unparsed inside long lines: ranges of runs of printable
 * ASCII (no line feed at all, as `tr '\0' a` writes) whose length is a multiple of `cols`. From
 * any cursor column after the run's first character, `cols` more characters leave the cursor in
 * the same column (and the same wrap-pending state) one row further down, with that row full of
 * the run; so dropping k×cols of them only changes which rows scrolled out, as long as
 * runKeepChars follow in the same run. Before the cut, the run keeps its head, through the second
 * character that can end a sequence: an escape sequence begun before the run (in this text or a
 * write the parser has had) has ended there.
 * Only with auto-wrap on and insert mode off, which the caller checks. Ranges are ascending.
 */
export function runCuts(text: Text, keepLines: number, cols: number, end = text.length): Range[] {
  const keep = runKeepChars(keepLines, cols);
  const cuts: Range[] = [];
  if (cols < 1) return cuts;
  // A run worth cutting is longer than `min`, so it holds one of the positions probed every
  // min/2 characters: only runs found there are walked (a `yes` flood, a run of one character
  // per line, costs a few probes per compaction instead of a walk over every character).
  const min = keep + cols + 1;
  const step = Math.max(1, Math.floor(min / 2));
  let scanned = 0;
  for (let p = step - 1; p < end; p += step) {
    if (p < scanned || !isPrintableAscii(text.charCodeAt(p))) continue;
    let start = p;
    while (start > scanned && isPrintableAscii(text.charCodeAt(start - 1))) start--;
    let stop = p + 1;
    while (stop < end && isPrintableAscii(text.charCodeAt(stop))) stop++;
    scanned = stop;
    if (stop - start < min) continue;
    // The head: through the second character that can end a sequence (after ESC, '[' is the
    // first and only opens a CSI, whose final byte is the second).
    let head = start;
    for (let found = 0; head < stop; head++) if (endsSequence(text.charCodeAt(head)) && ++found === 2) break;
    const from = head + 1;
    const rows = runCutRows(stop - start, from - start, keepLines, cols);
    if (rows > 0) cuts.push({ from, to: from + rows * cols });
  }
  return cuts;
}


/** Rows of `cols` characters a cut drops from a run `length` long whose head (kept) is
 * `head` long: all but runKeepChars of what follows the head, in whole rows (0 or less: none). */
function runCutRows(length: number, head: number, keepLines: number, cols: number): number {
  return Math.floor((length - head - runKeepChars(keepLines, cols)) / cols);
}

/** The compaction threshold for pending output that ends with a run of `trailing` printable
 * characters (see COMPACT_AT_CHARS). */
export function compactAt(trailing: number, keepLines: number, cols: number): number {
  if (trailing < COMPACT_AT_CHARS / 2) return COMPACT_AT_CHARS;
  return Math.max(COMPACT_AT_CHARS, 3 * runKeepChars(keepLines, cols));
}

/** `text` without what would scroll out of `keepLines` rows: long wrapped runs first (only when
 * `plainWrap`: auto-wrap on and insert mode off), then whole lines. */
export function compactText(text: string, keepLines: number, cols: number, plainWrap: boolean): string {
  const t = plainWrap ? without(text, runCuts(text, keepLines, cols)) : text;
  return without(t, lineCuts(t, keepLines));
}

/** Past this many characters, the text before the run is compacted as chunks (ChunkText) instead
 * of joined: 64 K two-byte characters are 128 KiB. */
const JOIN_MAX_CHARS = 64 * 1024;

/** Output held as it came, in chunks, compacted (compactChunks): the text before the run of
 * printable ASCII the output ends with, compacted, and that run's pieces. */
export interface CompactedChunks {
  /** The text before the run, compacted: one string, or slices of the chunks when long. */
  prefix: string[];
  /** The trailing run, or what a cut left of it: printable ASCII, one byte a character. */
  run: string[];
  /** Characters dropped, in all. */
  dropped: number;
  /** Characters dropped from the run: the output's trailing run is this much shorter. */
  runCut: number;
}

/**
 * compactText on output held in `chunks`, whose last `run` characters are a run of printable
 * ASCII (the whole run, or all of the chunks if the run began before them), without joining the
 * run: the text before it is compacted as one string, the run is cut as runCuts would cut it
 * (through its head, rows of `cols` dropped, runKeepChars kept) as slices of its chunks. The cuts
 * are those of compactText on the joined text: the run holds no line feed, so the lines before it
 * scroll out the same, and no other run reaches into it.
 * Why: a flood of one long line (`tr '\0' a`) held a run of several hundred K characters, joined
 * and copied at every compaction, and V8 makes every string over 128 KiB in its large-object
 * space, which cost ~3 ns a byte here against 0.05 below it (a 381 K join took 1.2 ms): the
 * mirror's and the queue's compactions took 60% of the server's time in a 50 MB flood.
 */
export function compactChunks(chunks: readonly string[], run: number, keepLines: number, cols: number, plainWrap: boolean): CompactedChunks {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  run = Math.min(run, total);
  // Where the run starts: chunk `i`, character `at` of it.
  let i = chunks.length;
  let at = 0;
  for (let left = run; left > 0; ) {
    const n = chunks[--i]!.length;
    if (n >= left) {
      at = n - left;
      left = 0;
    } else left -= n;
  }
  const before = chunks.slice(0, i);
  if (i < chunks.length && at > 0) before.push(chunks[i]!.slice(0, at));
  const prefix = compactBefore(before, total - run, keepLines, cols, plainWrap);
  const prefixLength = prefix.reduce((n, p) => n + p.length, 0);
  const runPieces = run === 0 ? [] : [at > 0 ? chunks[i]!.slice(at) : chunks[i]!, ...chunks.slice(i + 1)];
  const cut = plainWrap ? cutRun(runPieces, run, keepLines, cols) : undefined;
  const runCut = cut ? run - cut.length : 0;
  return { prefix, run: cut?.pieces ?? runPieces, dropped: total - run - prefixLength + runCut, runCut };
}

/** compactText on the text `before` holds (`length` characters): joined while short; past
 * JOIN_MAX_CHARS read as chunks (ChunkText) and cut into slices of them, the same cuts in the
 * same order. Why: ~1,050 lines of 150 characters, what a terminal keeps, are over 128 KiB, and
 * joining them at every compaction made that 60% of the compaction's time. */
function compactBefore(before: string[], length: number, keepLines: number, cols: number, plainWrap: boolean): string[] {
  if (length <= JOIN_MAX_CHARS) {
    const prefix = compactText(before.length === 1 ? before[0]! : before.join(''), keepLines, cols, plainWrap);
    return prefix.length === 0 ? [] : [prefix];
  }
  let text = new ChunkText(before);
  const runs = plainWrap ? runCuts(text, keepLines, cols) : [];
  if (runs.length > 0) text = new ChunkText(text.without(runs));
  return text.without(lineCuts(text, keepLines));
}

/** runCuts on one run held in pieces: its head, then its last characters, without the rows of
 * `cols` between them that runCuts would drop; undefined when it drops none. */
function cutRun(pieces: readonly string[], run: number, keepLines: number, cols: number): { pieces: string[]; length: number } | undefined {
  // Nothing to cut even behind an empty head: skip walking the head.
  if (cols < 1 || runCutRows(run, 0, keepLines, cols) <= 0) return undefined;
  // The head: through the second character that can end a sequence (see runCuts).
  let head = 0;
  let found = 0;
  outer: for (const p of pieces) {
    for (let k = 0; k < p.length; k++) {
      head++;
      if (endsSequence(p.charCodeAt(k)) && ++found === 2) break outer;
    }
  }
  if (found < 2) return undefined;
  const rows = runCutRows(run, head, keepLines, cols);
  if (rows <= 0) return undefined;
  const from = head;
  const to = head + rows * cols;
  const out: string[] = [];
  let pos = 0;
  for (const p of pieces) {
    const end = pos + p.length;
    // The part of this piece before `from` and the part after `to`.
    if (pos < from) out.push(end <= from ? p : p.slice(0, from - pos));
    if (end > to) out.push(pos >= to ? p : p.slice(to - pos));
    pos = end;
  }
  return { pieces: out, length: run - rows * cols };
}
