/**
 * Interactive before bulk, across every terminal of the server. While a learner's keystroke waits
 * for its echo, the shells that flood output are held: the server stops reading them (their
 * streams are paused as flow control pauses them), so the echo does not queue behind another
 * learner's `yes` on this machine's two cores: the server's reads, the engine's copies and the
 * flooding shell itself all wait a few milliseconds. A hold ends when every waiting keystroke has
 * its echo, or after ECHO_HOLD_MS, and holds take at most MAX_HOLD_SHARE of the time, so a room
 * that types all the time slows a flood down but never stops it.
 */
import { Emitter, type Disposable } from '../common/lifecycle.ts';

/** A keystroke holds floods for at most this long: an echo comes in ~2 ms here; a key that has
 * none (a password prompt, input to a program that does not echo) lets go after this. */
export const ECHO_HOLD_MS = 20;

/** A terminal that had input this recently counts as typing (othersTyping). */
export const TYPING_RECENT_MS = 2_000;

/** Holds take at most this share of each HOLD_WINDOW_MS: a flood runs at least half the time. */
export const MAX_HOLD_SHARE = 0.5;
const HOLD_WINDOW_MS = 1_000;

export class EchoPriority implements Disposable {
  /** Who waits for an echo, and since when (performance.now() ms). */
  private readonly _waiting = new Map<object, number>();
  /** Who sent input last, and when: the terminals typing now (othersTyping). Entries older than
   * TYPING_RECENT_MS are dropped as they are met, so ended terminals do not stay. */
  private readonly _typed = new Map<object, number>();
  private _holdStarted: number | undefined;
  private _windowStart = 0;
  private _heldInWindow = 0;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private readonly _onRelease = new Emitter<void>();
  /** Fires when a hold ends: held shells resume. */
  readonly onRelease = this._onRelease.event;

  /** `who` sent input at `now`: until its output comes, floods elsewhere may be held. */
  input(who: object, now = performance.now()): void {
    this._waiting.set(who, now);
    this._typed.delete(who);
    this._typed.set(who, now);
    this._dropStaleTyping(now);
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._expire(), ECHO_HOLD_MS);
  }

  /** `who` wrote output: its echo came. */
  output(who: object, now = performance.now()): void {
    if (this._waiting.delete(who) && this._waiting.size === 0) this._release(now);
  }

  /** Whether `who`, which floods, is to be held now: someone else waits for an echo, and holds
   * have used less than their share of the time. */
  holds(who: object, now = performance.now()): boolean {
    if (this._waiting.size === 0 || (this._waiting.size === 1 && this._waiting.has(who))) return false;
    this._account(now);
    if (this._heldInWindow >= MAX_HOLD_SHARE * HOLD_WINDOW_MS) return false;
    this._holdStarted ??= now;
    return true;
  }

  /** Whether a terminal other than `who` had input in the last TYPING_RECENT_MS: someone whose
   * next keystroke a flood must not keep unread (TerminalSession yields the event loop then). */
  othersTyping(who: object, now = performance.now()): boolean {
    this._dropStaleTyping(now);
    return this._typed.size > (this._typed.has(who) ? 1 : 0);
  }

  /** `who` has ended: it waits for nothing and types no more. */
  forget(who: object): void {
    this._typed.delete(who);
    if (this._waiting.delete(who) && this._waiting.size === 0) this._release(performance.now());
  }

  /** Oldest first (input() re-inserts): drops the entries older than TYPING_RECENT_MS. */
  private _dropStaleTyping(now: number): void {
    for (const [w, at] of this._typed) {
      if (now - at < TYPING_RECENT_MS) break;
      this._typed.delete(w);
    }
  }

  /** Keys still waiting past ECHO_HOLD_MS stop holding anything. */
  private _expire(): void {
    const now = performance.now();
    for (const [who, since] of this._waiting) if (now - since >= ECHO_HOLD_MS) this._waiting.delete(who);
    if (this._waiting.size === 0) this._release(now);
    else this._timer = setTimeout(() => this._expire(), ECHO_HOLD_MS);
  }

  private _release(now: number): void {
    clearTimeout(this._timer);
    this._timer = undefined;
    if (this._holdStarted === undefined) return;
    this._account(now);
    this._holdStarted = undefined;
    this._onRelease.fire();
  }

  /** Adds the running hold's time to the window's, starting a new window when one is over. */
  private _account(now: number): void {
    if (this._holdStarted !== undefined) {
      this._heldInWindow += now - Math.max(this._holdStarted, this._windowStart);
      this._holdStarted = now;
    }
    if (now - this._windowStart >= HOLD_WINDOW_MS) {
      this._windowStart = now;
      this._heldInWindow = 0;
    }
  }

  dispose(): void {
    clearTimeout(this._timer);
    this._waiting.clear();
    this._typed.clear();
    this._onRelease.dispose();
  }
}
