/**
 * Tells whether a shell is flooding output, i.e. whether docker exec's pipeline behind the pty
 * is probably full (it holds ~2 MB), so that Ctrl-C would otherwise be followed by seconds of
 * scrolling at the client's pace. While it is, the session also sends output in FLOOD_BATCH_MS
 * batches, compacted (terminalSession.ts).
 */

/** A pause this recent still counts: flow control alternates pause and resume during a flood. */
export const FLOOD_RECENT_PAUSE_MS = 1_000;
/** The rate is counted over two windows of this length. */
const RATE_WINDOW_MS = 500;
/** At least this much output in the last one to two windows (256 KB in at most a second) is a
 * flood. Typing, prompts and progress bars stay far below it. */
export const FLOOD_RATE_BYTES = 256 * 1024;

export class FloodMeter {
  private _lastPause = -Infinity;
  private _windowStart = 0;
  private _bytes = 0;
  private _prevBytes = 0;

  /** The pty was paused by flow control at `now` (ms, performance.now()). */
  paused(now: number): void {
    this._lastPause = now;
  }

  /** `n` bytes came from the pty at `now`. */
  count(n: number, now: number): void {
    if (now - this._windowStart >= RATE_WINDOW_MS) {
      this._prevBytes = now - this._windowStart >= 2 * RATE_WINDOW_MS ? 0 : this._bytes;
      this._bytes = 0;
      this._windowStart = now;
    }
    this._bytes += n;
  }

  /** True when the pty is paused, was paused recently, the client's window is well filled, or
   * the shell simply writes fast (the server keeps up, so nothing pauses, yet the pipeline fills). */
  flooding(now: number, state: { ptyPaused: boolean; windowFilled: boolean }): boolean {
    if (state.ptyPaused || state.windowFilled) return true;
    if (now - this._lastPause < FLOOD_RECENT_PAUSE_MS) return true;
    this.count(0, now);
    return this._bytes + this._prevBytes >= FLOOD_RATE_BYTES;
  }
}
