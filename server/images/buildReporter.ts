/**
 * Progress of one image build: a log line for each new phase with the seconds since the build
 * started, the same events for the caller's progress display, and a heartbeat line while a
 * phase runs long, so a build is never silent for a minute.
 */
import type { Disposable } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';

export interface ImageProgress {
  image: string;
  phase: string;
  percent: number;
  /** Seconds since this image's build started (at 'built': how long it took). */
  seconds: number;
}

/** An image this process built, and how long that took. */
export interface ImageBuild {
  image: string;
  seconds: number;
}

/** The last phase of a build that succeeded. */
export const BUILT_PHASE = 'built';

/** Silence after which a "still …" line is logged: long enough not to flood the log, short
 * enough that nobody wonders whether the build hangs. */
export const HEARTBEAT_MS = 15_000;
/** How often the silence is measured; the gap between log lines stays under HEARTBEAT_MS + this. */
const HEARTBEAT_CHECK_MS = 1_000;

export class BuildReporter implements Disposable {
  private readonly _start = Date.now();
  private _phase = '';
  private _percent = 0;
  private _lastLine = Date.now();
  private readonly _timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly _image: string,
    private readonly _log: Logger,
    private readonly _onProgress?: (p: ImageProgress) => void,
  ) {
    this._timer = setInterval(() => {
      if (Date.now() - this._lastLine >= HEARTBEAT_MS) this.line(`still ${this._phase}`);
    }, HEARTBEAT_CHECK_MS);
    this._timer.unref();
  }

  /** Seconds since the build started, one decimal. */
  elapsed(): string {
    return `${((Date.now() - this._start) / 1000).toFixed(1)}s`;
  }

  phase(phase: string, percent: number): void {
    const p = Math.max(this._percent, Math.min(100, Math.round(percent)));
    const changed = phase !== this._phase;
    this._phase = phase;
    this._percent = p;
    if (changed) this.line(phase);
    try {
      this._onProgress?.({ image: this._image, phase, percent: p, seconds: (Date.now() - this._start) / 1000 });
    } catch (err) {
      // A broken progress display must not break the build it displays.
      this._log.warn('progress listener failed', { error: err });
    }
  }

  private line(text: string): void {
    this._lastLine = Date.now();
    this._log.info(`${this._image}: ${text}`, { elapsed: this.elapsed(), percent: this._percent });
  }

  dispose(): void {
    clearInterval(this._timer);
  }
}
