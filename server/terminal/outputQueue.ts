/** Output bytes waiting for room in the client's flow-control window, in arrival order. */
export class OutputQueue {
  private _chunks: Buffer[] = [];
  private _bytes = 0;

  get bytes(): number {
    return this._bytes;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this._chunks.push(chunk);
    this._bytes += chunk.length;
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
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, got);
  }

  clear(): void {
    this._chunks = [];
    this._bytes = 0;
  }
}
