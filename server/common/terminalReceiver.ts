/**
 * The receiving half of a terminal client, written once for the browser (web/terminalLink.ts)
 * and the Node client (server/robot/termClient.ts): decodes each binary message from the server
 * (server/common/frames.ts), hands snapshot, output and exit to the client's screen (a skip frame
 * drops the output not shown yet: the redraw or snapshot that follows supersedes it), and, once
 * the screen has processed output, acknowledges it in ACK_CHUNK_BYTES chunks (AckCounter), which
 * is what lets the server resume a paused shell. Sockets, reconnection and screens stay with each
 * client; this file knows neither the DOM nor Node.
 *
 * @example
 *   const receiver = new TerminalReceiver({ snapshot, output, exit });
 *   ws.onmessage = (e) => receiver.receive(new Uint8Array(e.data), (ack) => ws.send(ack));
 */
import { AckCounter } from './flowControl.ts';
import { CTRL_C, decode, frames, isFrameError, type FrameError } from './frames.ts';
import { Emitter, type Disposable } from './lifecycle.ts';

/** Where a receiver delivers what the server sends: the client's screen (an xterm). */
export interface TerminalSink {
  /** Replace the screen with a snapshot taken at `cols`×`rows`; call `done` once written. */
  snapshot(cols: number, rows: number, data: Uint8Array, done: () => void): void;
  /** Write output; call `rendered` once the screen has processed it (xterm's write callback). */
  output(data: Uint8Array, rendered: () => void): void;
  /** The shell ended with `code`; the server closes the socket next. */
  exit(code: number): void;
}

/** Sends a frame back on the connection a message came in on (acks only go there). */
export type Reply = (frame: Uint8Array) => void;

/**
 * Output handed to the screen and not yet processed is kept at most this many bytes; the rest
 * waits here, and a larger frame is handed over in slices of this size (the screen's parser keeps
 * a UTF-8 sequence or an escape cut between two writes). A skip frame or a snapshot makes output
 * still waiting moot, so it is dropped (and acknowledged) instead of being parsed for nothing:
 * after Ctrl-C during a flood the page parses at most this much before the redraw, not the whole
 * window the server had sent. xterm runs a write's callback inside its own parse loop, and
 * the next slice handed over there is parsed in the same loop, so slicing adds no timer per slice.
 * 4 KiB, not 16: what a page still parses after a Ctrl-C is ~1,400 lines of `yes` instead of
 * ~5,500 (bench/terminal.ts, DOM, page key → skip frame handled: at most 29 and 37 ms in two runs
 * of 10 Ctrl-Cs, against 47 ms once in 6 at 16 KiB), and throughput into the page did not drop.
 */
export const SCREEN_AHEAD_BYTES = 4 * 1024;

/**
 * Ctrl-C typed while output waits: the screen gets no more output for at most this long, until the
 * server's skip frame says a redraw comes (then until the redraw). A page busy parsing a flood
 * handled the skip frame and the snapshot after it 10 to 35 ms after the server sent them, behind
 * its own parsing; held, it is idle when they come. A server that does not skip (the shell was not
 * flooding by its measure) goes on sending output, shown once the hold ends.
 */
export const INTERRUPT_HOLD_MS = 100;

const CTRL_C_TEXT = String.fromCharCode(CTRL_C);

export class TerminalReceiver implements Disposable {
  private readonly _acks = new AckCounter();
  private _bytesRendered = 0;
  /** Output received but not handed to the screen yet, oldest first. */
  private _waiting: { data: Uint8Array; reply: Reply }[] = [];
  /** Bytes handed to the screen and not processed yet. */
  private _inScreen = 0;
  /** An exit that came behind waiting output. */
  private _exit: number | undefined;
  /** A skip frame came: nothing goes to the screen until the next frame (a redraw or a snapshot). */
  private _skipping = false;
  /** Held after a Ctrl-C (sending()) until this timer ends it, or a skip frame, output or a snapshot. */
  private _holdTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly _onSnapshot = new Emitter<void>();
  /** A snapshot has been written to the screen: the client shows the shell's real screen now. */
  readonly onSnapshot = this._onSnapshot.event;

  constructor(private readonly _sink: TerminalSink) {}

  /** Output bytes the screen has processed, over every connection (bench and tests read it). */
  get bytesRendered(): number {
    return this._bytesRendered;
  }

  /**
   * The client is sending `input` to the shell: when it holds a Ctrl-C and output waits, that
   * output is held back for at most INTERRUPT_HOLD_MS (see there).
   */
  sending(input: Uint8Array | string): void {
    const ctrlC = typeof input === 'string' ? input.includes(CTRL_C_TEXT) : input.includes(CTRL_C);
    if (!ctrlC || this._waiting.length === 0 || this._skipping || this._holdTimer !== undefined) return;
    this._holdTimer = setTimeout(() => {
      this._holdTimer = undefined;
      this._pump();
    }, INTERRUPT_HOLD_MS);
  }

  /**
   * Handles one binary message from the server. `reply` sends an ack frame back; it is called
   * later, from the screen's write callback, so it should drop the frame if its connection has
   * closed meanwhile. Never throws.
   * @returns a FrameError naming what is wrong with a malformed message (nothing is delivered),
   *   else undefined.
   */
  receive(message: Uint8Array, reply: Reply): FrameError | undefined {
    const f = decode(message);
    if (isFrameError(f)) return f;
    switch (f.type) {
      case 'skip':
        // What comes next (a redraw or a snapshot) supersedes what waits: the screen is left to
        // finish what it holds (at most SCREEN_AHEAD_BYTES) and is then free the moment it comes.
        this._skipping = true;
        this._endHold();
        this._dropWaiting();
        return undefined;
      case 'snapshot':
        // What waits is older than the snapshot, which shows the screen after it.
        this._skipping = false;
        this._endHold();
        this._dropWaiting();
        this._sink.snapshot(f.cols, f.rows, f.data, () => this._onSnapshot.fire());
        this._pump();
        return undefined;
      case 'output':
        // After a skip, the first output redraws the screen: what waited is superseded.
        if (this._skipping) {
          this._skipping = false;
          this._endHold();
          this._dropWaiting();
        }
        this._waiting.push({ data: f.data, reply });
        this._pump();
        return undefined;
      case 'exit':
        // No snapshot comes after an exit: the shell's end is shown, a skip or not.
        this._skipping = false;
        this._endHold();
        if (this._waiting.length > 0) {
          this._exit = f.code;
          this._pump();
        } else this._sink.exit(f.code);
        return undefined;
      default:
        return { error: `${f.type} frames only go from the client to the server` };
    }
  }

  /** Output that a skip or a snapshot makes moot: counted and acknowledged as if shown. */
  private _dropWaiting(): void {
    for (const w of this._waiting.splice(0)) this._processed(w.data.length, w.reply);
  }

  /** Hands waiting output to the screen, in slices, while it holds less than SCREEN_AHEAD_BYTES
   * (none during a skip or a Ctrl-C hold). */
  private _pump(): void {
    while (!this._skipping && this._holdTimer === undefined && this._waiting.length > 0 && this._inScreen < SCREEN_AHEAD_BYTES) {
      const next = this._waiting[0]!;
      const room = SCREEN_AHEAD_BYTES - this._inScreen;
      let data = next.data;
      if (data.length > room) {
        next.data = data.subarray(room);
        data = data.subarray(0, room);
      } else {
        this._waiting.shift();
      }
      const reply = next.reply;
      const n = data.length;
      this._inScreen += n;
      this._sink.output(data, () => {
        this._inScreen -= n;
        this._processed(n, reply);
        this._pump();
      });
    }
    if (this._waiting.length === 0 && this._exit !== undefined) {
      const code = this._exit;
      this._exit = undefined;
      this._sink.exit(code);
    }
  }

  /** Output the screen processed (or that a snapshot made moot): counted and acknowledged. */
  private _processed(n: number, reply: Reply): void {
    this._bytesRendered += n;
    const ack = this._acks.rendered(n);
    if (ack) reply(frames.ack(ack));
  }

  /** Forgets rendered bytes not yet acknowledged and output not yet shown: a new connection starts
   * from a snapshot and the server counts afresh. */
  reset(): void {
    this._acks.reset();
    this._waiting = [];
    this._exit = undefined;
    this._skipping = false;
    this._endHold();
  }

  private _endHold(): void {
    clearTimeout(this._holdTimer);
    this._holdTimer = undefined;
  }

  dispose(): void {
    this._endHold();
    this._onSnapshot.dispose();
  }
}
