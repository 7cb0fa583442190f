/** Output bytes waiting for room in the client's flow-control window, in arrival order. */
import { compactAt, compactText } from './scrollCuts.ts';

/** A UTF-8 character has at most three bytes after its first. */
const MAX_CONTINUATION_BYTES = 3;

/** Printable ASCII, one byte and one cell each (scrollCuts.ts' runs). */
const isPrintableAscii = (b: number) => b >= 0x20 && b <= 0x7e;

export class OutputQueue {
  private _chunks: Buffer[] = [];
  private _bytes = 0;
  /** Length of the run of printable ASCII the queue ends with. */
  private _trailingRun = 0;
  private _dropped = 0;
  /** What the last compaction left (less what was taken since). */
  private _compactedTo = 0;

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

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this._chunks.push(chunk);
    this._bytes += chunk.length;
    let i = chunk.length;
    while (i > 0 && isPrintableAscii(chunk[i - 1]!)) i--;
    this._trailingRun = i === 0 ? this._trailingRun + chunk.length : chunk.length - i;
  }

  /** Removes up to `n` bytes from the front (a chunk may be split; the client's UTF-8 decoder
   * joins characters split across frames). */
  take(n: number): Buffer {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n && this._chunks.length > 0) {
      const head = this._chunks[0]!;
      const want = n - got;
      if (head.length <= want) {
        parts.push(head);
        this._chunks.shift();
        got += head.length;
      } else {
        parts.push(head.subarray(0, want));
        this._chunks[0] = head.subarray(want);
        got += want;
      }
    }
    this._bytes -= got;
    this._compactedTo = Math.min(this._compactedTo, this._bytes);
    if (this._bytes === 0) this._trailingRun = 0;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, got);
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
   * dropped. Pushed chunks hold whole UTF-8 characters (the shell's output was decoded first); only
   * take() splits one, so the queue may start with the rest of a character already sent: those
   * bytes stay as they are, and the cuts work on the characters after them.
   */
  compact(keepLines: number, cols: number, plainWrap: boolean): number {
    if (this._bytes === 0) return 0;
    const joined = this._chunks.length === 1 ? this._chunks[0]! : Buffer.concat(this._chunks, this._bytes);
    let head = 0;
    while (head < joined.length && head < MAX_CONTINUATION_BYTES && (joined[head]! & 0xc0) === 0x80) head++;
    const text = joined.toString('utf8', head);
    const kept = compactText(text, keepLines, cols, plainWrap);
    if (kept.length === text.length) {
      this._chunks = [joined];
      this._compactedTo = joined.length;
      return 0;
    }
    const out = Buffer.concat([joined.subarray(0, head), Buffer.from(kept, 'utf8')]);
    const dropped = joined.length - out.length;
    this._chunks = [out];
    this._bytes = out.length;
    this._compactedTo = out.length;
    this._dropped += dropped;
    return dropped;
  }

  clear(): void {
    this._chunks = [];
    this._bytes = 0;
    this._trailingRun = 0;
    this._compactedTo = 0;
  }
}
