/**
 * Output waiting for room in a client's flow-control window, in arrival order, as the text the
 * shell wrote: no bytes are made until a frame is sent (frames.outputText encodes straight into
 * it), and compaction works on the text. At flood rates every Buffer made per read was external
 * memory V8 answered with full collections.
 */
import { compactAt, compactChunks, trailingRun } from './scrollCuts.ts';

/** take() hands out at most this much at a time: what it takes from several chunks is joined
 * into one string, and V8 makes a string over 128 KiB in its large-object space, at ~3 ns a byte
 * here against 0.05 below that (see scrollCuts.ts' compactChunks). A window's worth goes out as
 * a few frames instead of one. */
export const TAKE_MAX_BYTES = 64 * 1024;

/** The UTF-8 length of `s` (Node's, which counts without encoding). */
const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

export class OutputQueue {
  private _chunks: string[] = [];
  /** UTF-8 bytes of each chunk, in step with _chunks. */
  private _sizes: number[] = [];
  private _bytes = 0;
  /** Length of the run of printable ASCII the queue ends with. */
  private _trailingRun = 0;
  private _dropped = 0;
  /** What the last compaction left (less what was taken since). */
  private _compactedTo = 0;

  /** UTF-8 bytes waiting. */
  get bytes(): number {
    return this._bytes;
  }

  /** Length of the run of printable ASCII the queue ends with: a long line still being written,
   * which later output may make cuttable. */
  get trailingRun(): number {
    return this._trailingRun;
  }

  /** Bytes compact() dropped, in all. */
  get dropped(): number {
    return this._dropped;
  }

  /** Queues `text`; `bytes`, its UTF-8 length, when the caller has it. */
  push(text: string, bytes = utf8Length(text)): void {
    if (text.length === 0) return;
    this._chunks.push(text);
    this._sizes.push(bytes);
    this._bytes += bytes;
    this._trailingRun = trailingRun(text, this._trailingRun);
  }

  /**
   * Removes text from the front, at most `n` bytes of it in UTF-8 (and TAKE_MAX_BYTES) and never
   * part of a character (empty when the first character alone is larger than that).
   */
  take(n: number): { text: string; bytes: number } {
    n = Math.min(n, TAKE_MAX_BYTES);
    const parts: string[] = [];
    let got = 0;
    while (got < n && this._chunks.length > 0) {
      const head = this._chunks[0]!;
      const size = this._sizes[0]!;
      const want = n - got;
      if (size <= want) {
        parts.push(head);
        this._chunks.shift();
        this._sizes.shift();
        got += size;
        continue;
      }
      const cut = charsWithin(head, size, want);
      if (cut === 0) break;
      const front = head.slice(0, cut);
      const frontBytes = utf8Length(front);
      parts.push(front);
      this._chunks[0] = head.slice(cut);
      this._sizes[0] = size - frontBytes;
      got += frontBytes;
      break;
    }
    this._bytes -= got;
    this._compactedTo = Math.min(this._compactedTo, this._bytes);
    if (this._bytes === 0) this._trailingRun = 0;
    return { text: parts.length === 1 ? parts[0]! : parts.join(''), bytes: got };
  }

  /** Past this many bytes the queue is worth compacting: scrollCuts.ts' compactAt, or twice what
   * the last compaction left, so output that compacts badly is not scanned again for every read
   * (each byte is compacted a bounded number of times). */
  compactAt(keepLines: number, cols: number): number {
    return Math.max(compactAt(this._trailingRun, keepLines, cols), 2 * this._compactedTo);
  }

  /**
   * Drops what would scroll out of `keepLines` rows on a client `cols` wide before the client
   * sees it (scrollCuts.ts); `plainWrap` allows cutting long wrapped lines. Returns the bytes
   * dropped.
   */
  compact(keepLines: number, cols: number, plainWrap: boolean): number {
    if (this._bytes === 0) return 0;
    // The run is ASCII, so it is no longer in characters than the bytes left (take() may have
    // taken into it).
    const run = Math.min(this._trailingRun, this._bytes);
    const out = compactChunks(this._chunks, run, keepLines, cols, plainWrap);
    // The run is ASCII: a byte a character.
    this._chunks = [...out.prefix, ...out.run];
    this._sizes = [...out.prefix.map(utf8Length), ...out.run.map((p) => p.length)];
    const bytes = this._sizes.reduce((n, b) => n + b, 0);
    const dropped = this._bytes - bytes;
    this._bytes = bytes;
    this._trailingRun -= out.runCut;
    this._compactedTo = bytes;
    this._dropped += dropped;
    return dropped;
  }

  clear(): void {
    this._chunks = [];
    this._sizes = [];
    this._bytes = 0;
    this._trailingRun = 0;
    this._compactedTo = 0;
  }
}

/** How many characters from the start of `s` (`bytes` of UTF-8) fit in `limit` bytes, never
 * splitting a surrogate pair. */
function charsWithin(s: string, bytes: number, limit: number): number {
  // All one byte each: the common case, no search.
  if (bytes === s.length) return limit;
  let lo = 0;
  let hi = Math.min(s.length, limit);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (utf8Length(s.slice(0, mid)) <= limit) lo = mid;
    else hi = mid - 1;
  }
  const c = s.charCodeAt(lo - 1);
  return lo > 0 && c >= 0xd800 && c <= 0xdbff ? lo - 1 : lo;
}
