/**
 * One terminal's WebSocket (/ws/terminal/:node): binary frames from server/common/frames.ts,
 * decoded and acknowledged after xterm has rendered output by the TerminalReceiver it shares with
 * the Node client, resize only when the size really changed, and reconnection with backoff when
 * the network drops (the shell waits on the server meanwhile).
 *
 * Input is never dropped for want of a connection: what is typed or Run while the link is idle,
 * connecting or reconnecting waits in a queue, in order, and goes out once, on the first socket
 * whose snapshot has arrived, as soon as the shell waits at a prompt (or after
 * PROMPT_WAIT_MS if it never looks like one). Sent input leaves the queue, so a reconnect does not
 * send it again. A link that ends, is replaced, gone, refused or disconnected forgets its queue.
 */
import { CloseCode, routes, type NodeName } from '../server/common/api.ts';
import { frames } from '../server/common/frames.ts';
import { Emitter, type Disposable } from '../server/common/lifecycle.ts';
import { TerminalReceiver, type TerminalSink } from '../server/common/terminalReceiver.ts';

export type { TerminalSink } from '../server/common/terminalReceiver.ts';

/** Reconnect backoff: first retry soon (a reload-like blip), then up to every 5 s. */
const RETRY_FIRST_MS = 300;
const RETRY_MAX_MS = 5_000;
/** Queued input waits at most this long after the snapshot for the shell's prompt (ms). */
export const PROMPT_WAIT_MS = 3_000;
/** How often queued input looks for the prompt (ms). */
const PROMPT_POLL_MS = 50;
/** Queued input kept at most (UTF-16 units); more is dropped with a warning, not sent later. */
export const MAX_QUEUED_CHARS = 64 * 1024;

export type LinkState =
  | 'idle' // not wanted (no sandbox)
  | 'connecting'
  | 'open'
  | 'reconnecting' // the connection dropped; retrying
  | 'ended' // the shell exited; a new one starts on request
  | 'replaced' // opened in another window
  | 'gone' // the sandbox went away
  | 'refused'; // no session / foreign origin

export class TerminalLink implements Disposable {
  private readonly _onState = new Emitter<{ state: LinkState; reason?: string }>();
  readonly onState = this._onState.event;
  private _ws: WebSocket | undefined;
  private _state: LinkState = 'idle';
  private _wanted = false;
  private _retry: ReturnType<typeof setTimeout> | undefined;
  private _retryMs = RETRY_FIRST_MS;
  /** Decodes what the server sends into the xterm view and acks what it rendered. */
  private readonly _receiver: TerminalReceiver;
  private _size: { cols: number; rows: number } | undefined;
  private _sentSize: { cols: number; rows: number } | undefined;
  /** Input waiting for a ready shell, in order. */
  private _queue: string[] = [];
  private _queuedChars = 0;
  private _flushTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * `sink` is where the server's snapshots, output and exit go (the xterm view). `atPrompt` says
   * whether the screen shows the shell waiting at a prompt (server/common/prompt.ts), which is
   * when queued input is sent.
   */
  constructor(
    readonly node: NodeName,
    sink: TerminalSink,
    private readonly _atPrompt: () => boolean = () => true,
  ) {
    this._receiver = new TerminalReceiver(sink);
    this._receiver.onSnapshot(() => {
      this._set('open');
      this._flushWhenReady();
    });
  }

  get state(): LinkState {
    return this._state;
  }

  /** Bytes rendered in total, over every connection (bench and tests read it). */
  get bytesRendered(): number {
    return this._receiver.bytesRendered;
  }

  /** Input characters waiting for the shell (tests read it). */
  get queued(): number {
    return this._queuedChars;
  }

  /** Connect (or reconnect now) and keep the connection up until disconnect(). */
  connect(): void {
    this._wanted = true;
    clearTimeout(this._retry);
    if (this._ws && (this._ws.readyState === WebSocket.OPEN || this._ws.readyState === WebSocket.CONNECTING)) return;
    this._open();
  }

  disconnect(state: LinkState = 'idle'): void {
    this._wanted = false;
    clearTimeout(this._retry);
    this._dropQueue();
    const ws = this._ws;
    this._ws = undefined;
    ws?.close(1000, 'page closed the terminal');
    this._set(state);
  }

  /** Sends input now if the shell is there and nothing waits before it, else queues it. */
  input(data: string): void {
    if (!data) return;
    if (this._queue.length === 0 && this._sendable()) {
      this._receiver.sending(data);
      this._ws!.send(frames.input(data));
      return;
    }
    if (this._queuedChars + data.length > MAX_QUEUED_CHARS) {
      console.warn(`terminal ${this.node}: ${data.length} characters of input dropped, ${this._queuedChars} already wait for the shell`);
      return;
    }
    this._queue.push(data);
    this._queuedChars += data.length;
    this._flushWhenReady();
  }

  /** Remembers the terminal's size and sends it when it differs from what the server has. */
  resize(cols: number, rows: number): void {
    this._size = { cols, rows };
    this._sendSize();
  }

  dispose(): void {
    this.disconnect();
    this._onState.dispose();
    this._receiver.dispose();
  }

  private _open(): void {
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${routes.terminal.path({ node: this.node })}`;
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this._ws = ws;
    this._sentSize = undefined;
    this._receiver.reset();
    this._set(this._state === 'reconnecting' ? 'reconnecting' : 'connecting');
    ws.onopen = () => {
      this._retryMs = RETRY_FIRST_MS;
      this._sendSize();
    };
    ws.onmessage = (e) => {
      if (!(e.data instanceof ArrayBuffer)) return;
      // Acks go back on the socket the output came on, and only while it is open.
      const bad = this._receiver.receive(new Uint8Array(e.data), (ack) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(ack);
      });
      if (bad) console.error('bad frame from the server:', bad.error);
    };
    ws.onclose = (e) => {
      if (this._ws !== ws) return;
      this._ws = undefined;
      this._closed(e.code, e.reason);
    };
  }

  private _closed(code: number, reason: string): void {
    if (code === CloseCode.Ended || code === CloseCode.Replaced || code === CloseCode.Gone || code === CloseCode.NotFound || code === CloseCode.Unauthorized) {
      // Input meant for that shell, or for this window, must not land in the next one.
      this._dropQueue();
    }
    switch (code) {
      case CloseCode.Ended:
        return this._set('ended', reason);
      case CloseCode.Replaced:
        return this._set('replaced', reason);
      case CloseCode.Gone:
      case CloseCode.NotFound:
        return this._set('gone', reason);
      case CloseCode.Unauthorized:
        return this._set('refused', reason);
    }
    if (!this._wanted) return this._set('idle');
    this._set('reconnecting', reason || `connection lost (${code})`);
    this._retry = setTimeout(() => this._open(), this._retryMs);
    this._retryMs = Math.min(RETRY_MAX_MS, this._retryMs * 2);
  }

  /** The socket is open and its snapshot is on the screen: input goes to the shell we show. */
  private _sendable(): boolean {
    return this._state === 'open' && this._ws?.readyState === WebSocket.OPEN;
  }

  /** Sends the queue once the link is open and the shell waits at a prompt (or has had
   * PROMPT_WAIT_MS to get there); polls meanwhile, and stops if the link leaves 'open'. */
  private _flushWhenReady(): void {
    if (this._flushTimer !== undefined || this._queue.length === 0 || !this._sendable()) return;
    const since = performance.now();
    const tick = () => {
      this._flushTimer = undefined;
      if (this._queue.length === 0 || !this._sendable()) return;
      if (!this._atPrompt() && performance.now() - since < PROMPT_WAIT_MS) {
        this._flushTimer = setTimeout(tick, PROMPT_POLL_MS);
        return;
      }
      const data = this._queue.join('');
      this._dropQueue();
      this._receiver.sending(data);
      this._ws!.send(frames.input(data));
    };
    this._flushTimer = setTimeout(tick, 0);
  }

  private _dropQueue(): void {
    clearTimeout(this._flushTimer);
    this._flushTimer = undefined;
    this._queue = [];
    this._queuedChars = 0;
  }

  private _sendSize(): void {
    const s = this._size;
    if (!s || this._ws?.readyState !== WebSocket.OPEN) return;
    if (this._sentSize && this._sentSize.cols === s.cols && this._sentSize.rows === s.rows) return;
    this._ws.send(frames.resize(s.cols, s.rows));
    this._sentSize = { ...s };
  }

  private _set(state: LinkState, reason?: string): void {
    if (state === this._state && !reason) return;
    this._state = state;
    this._onState.fire({ state, reason });
  }
}
