/**
 * One terminal's WebSocket (/ws/terminal/:node): binary frames from server/common/frames.ts,
 * decoded and acknowledged after xterm has rendered output by the TerminalReceiver it shares with
 * the Node client, resize only when the size really changed, and reconnection with backoff when
 * the network drops (the shell waits on the server meanwhile).
 */
import { CloseCode, routes, type NodeName } from '../server/common/api.ts';
import { frames } from '../server/common/frames.ts';
import { Emitter, type Disposable } from '../server/common/lifecycle.ts';
import { TerminalReceiver, type TerminalSink } from '../server/common/terminalReceiver.ts';

export type { TerminalSink } from '../server/common/terminalReceiver.ts';

/** Reconnect backoff: first retry soon (a reload-like blip), then up to every 5 s. */
const RETRY_FIRST_MS = 300;
const RETRY_MAX_MS = 5_000;

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

  /** `sink` is where the server's snapshots, output and exit go (the xterm view). */
  constructor(
    readonly node: NodeName,
    sink: TerminalSink,
  ) {
    this._receiver = new TerminalReceiver(sink);
    this._receiver.onSnapshot(() => this._set('open'));
  }

  get state(): LinkState {
    return this._state;
  }

  /** Bytes rendered in total, over every connection (bench and tests read it). */
  get bytesRendered(): number {
    return this._receiver.bytesRendered;
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
    const ws = this._ws;
    this._ws = undefined;
    ws?.close(1000, 'page closed the terminal');
    this._set(state);
  }

  input(data: string): void {
    if (this._ws?.readyState === WebSocket.OPEN) this._ws.send(frames.input(data));
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
