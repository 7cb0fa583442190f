/**
 * End-to-end flow control for terminal output. The server counts output bytes it sent but the
 * client has not yet rendered; the client acknowledges rendered bytes in chunks after xterm's
 * write callback. The server sends at most the high watermark unacknowledged; what waits beyond it
 * is queued and compacted on the server (server/terminal/outputQueue.ts), and the shell is paused
 * only when compaction cannot bound the queue, so `yes` blocks on its write instead of filling
 * memory.
 */

/** Lines a client keeps above its screen (the page, the shadow view, the robot's TermClient, the
 * server's mirror alike). Part of the contract: output that would scroll out of this many lines
 * plus the screen may never reach the client (the server drops it while the client is behind,
 * server/terminal/scrollCuts.ts), and a reload restores exactly this much. 1000 is xterm.js's and
 * VS Code's default. */
export const SCROLLBACK_LINES = 1000;

/** Pause the producer once this many bytes are in flight. 256 KiB is ~4 s of output on a slow
 * 512 kbit/s link and well under xterm's own 50 MB discard limit, yet large enough that a fast
 * link never waits for acks (one round trip carries 256 KiB). */
export const HIGH_WATERMARK_BYTES = 256 * 1024;

/** Resume once in-flight bytes drop below this. The gap to HIGH avoids pausing and resuming on
 * every ack. */
export const LOW_WATERMARK_BYTES = 64 * 1024;

/**
 * The client acknowledges in chunks of this many rendered bytes, so it sends one small frame per
 * 32 KiB rather than one per write. Invariant: ACK_CHUNK_BYTES <= LOW_WATERMARK_BYTES, or a
 * client holding back less than a chunk could keep the server above LOW forever and the
 * terminal would never resume (flowControl.test.ts asserts it).
 */
export const ACK_CHUNK_BYTES = 32 * 1024;

/** Server side: counts unacknowledged bytes and says when to pause and resume. */
export class FlowController {
  private _unacked = 0;
  private _paused = false;
  private _maxUnacked = 0;

  constructor(
    readonly high = HIGH_WATERMARK_BYTES,
    readonly low = LOW_WATERMARK_BYTES,
  ) {
    if (!(low > 0 && low <= high)) throw new RangeError(`watermarks must satisfy 0 < low <= high (got low=${low}, high=${high})`);
  }

  /** Bytes sent and not yet acknowledged. */
  get unacked(): number {
    return this._unacked;
  }

  /** The largest `unacked` ever seen (a metric for tests and benchmarks). */
  get maxUnacked(): number {
    return this._maxUnacked;
  }

  get paused(): boolean {
    return this._paused;
  }

  /** How many more bytes may be sent before reaching the high watermark. */
  get room(): number {
    return Math.max(0, this.high - this._unacked);
  }

  /** Records `n` bytes sent; true when the producer should pause now (it just crossed HIGH). */
  sent(n: number): boolean {
    this._unacked += n;
    if (this._unacked > this._maxUnacked) this._maxUnacked = this._unacked;
    if (!this._paused && this._unacked >= this.high) {
      this._paused = true;
      return true;
    }
    return false;
  }

  /** Records `n` bytes acknowledged; true when the producer should resume now (it fell below LOW).
   * An ack for more than was sent (a confused client) clamps to zero. */
  acked(n: number): boolean {
    this._unacked = Math.max(0, this._unacked - n);
    if (this._paused && this._unacked < this.low) {
      this._paused = false;
      return true;
    }
    return false;
  }

  /** Forgets everything in flight (the socket went away; a new one starts from a snapshot). */
  reset(): boolean {
    this._unacked = 0;
    if (this._paused) {
      this._paused = false;
      return true;
    }
    return false;
  }
}

/** Client side: counts rendered bytes and says how many to acknowledge, in whole chunks. */
export class AckCounter {
  private _pending = 0;

  constructor(readonly chunk = ACK_CHUNK_BYTES) {
    if (!(chunk > 0)) throw new RangeError(`ack chunk must be positive (got ${chunk})`);
  }

  /** Records `n` bytes rendered (call from the write callback); returns bytes to ack now, or 0. */
  rendered(n: number): number {
    this._pending += n;
    if (this._pending < this.chunk) return 0;
    const ack = this._pending;
    this._pending = 0;
    return ack;
  }

  /** Bytes rendered but not yet acknowledged. */
  get pending(): number {
    return this._pending;
  }

  reset(): void {
    this._pending = 0;
  }
}
