/**
 * The receiving half of a terminal client, written once for the browser (web/terminalLink.ts)
 * and the Node client (server/robot/termClient.ts): decodes each binary message from the server
 * (server/common/frames.ts), hands snapshot, output and exit to the client's screen, and, once the
 * screen has processed output, acknowledges it in ACK_CHUNK_BYTES chunks (AckCounter), which is
 * what lets the server resume a paused shell. Sockets, reconnection and screens stay with each
 * client; this file knows neither the DOM nor Node.
 *
 * @example
 *   const receiver = new TerminalReceiver({ snapshot, output, exit });
 *   ws.onmessage = (e) => receiver.receive(new Uint8Array(e.data), (ack) => ws.send(ack));
 */
import { AckCounter } from './flowControl.ts';
import { decode, frames, isFrameError, type FrameError } from './frames.ts';
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
 * Output handed to the screen and not yet processed is kept under this many bytes; the rest waits
 * here. A snapshot replaces the screen, so output still waiting when one arrives is dropped (and
 * acknowledged) instead of being parsed for nothing: after Ctrl-C during a flood the page shows the
 * prompt once ≤ 64 KiB are parsed, not the whole 256 KiB window. Output frames larger than this go
 * to the screen alone.
 */
export const SCREEN_AHEAD_BYTES = 64 * 1024;

export class TerminalReceiver implements Disposable {
  private readonly _acks = new AckCounter();
  private _bytesRendered = 0;
  /** Output received but not handed to the screen yet, oldest first. */
  private _waiting: { data: Uint8Array; reply: Reply }[] = [];
  /** Bytes handed to the screen and not processed yet. */
  private _inScreen = 0;
  /** An exit that came behind waiting output. */
  private _exit: number | undefined;
  private readonly _onSnapshot = new Emitter<void>();
  /** A snapshot has been written to the screen: the client shows the shell's real screen now. */
  readonly onSnapshot = this._onSnapshot.event;

  constructor(private readonly _sink: TerminalSink) {}

  /** Output bytes the screen has processed, over every connection (bench and tests read it). */
  get bytesRendered(): number {
    return this._bytesRendered;
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
      case 'snapshot':
        // What waits is older than the snapshot, which shows the screen after it.
        for (const w of this._waiting.splice(0)) this._processed(w.data.length, w.reply);
        this._sink.snapshot(f.cols, f.rows, f.data, () => this._onSnapshot.fire());
        return undefined;
      case 'output':
        this._waiting.push({ data: f.data, reply });
        this._pump();
        return undefined;
      case 'exit':
        if (this._waiting.length > 0) this._exit = f.code;
        else this._sink.exit(f.code);
        return undefined;
      default:
        return { error: `${f.type} frames only go from the client to the server` };
    }
  }

  /** Hands waiting output to the screen while it holds less than SCREEN_AHEAD_BYTES. */
  private _pump(): void {
    while (this._waiting.length > 0 && (this._inScreen === 0 || this._inScreen + this._waiting[0]!.data.length <= SCREEN_AHEAD_BYTES)) {
      const { data, reply } = this._waiting.shift()!;
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
  }

  dispose(): void {
    this._onSnapshot.dispose();
  }
}
