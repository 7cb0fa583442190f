/**
 * The instructor's read-only view of an attendee's terminal (routes.shadow): the same frames a
 * learner's terminal gets (a snapshot, then output), decoded and acknowledged by the same
 * TerminalReceiver as web/terminalLink.ts. It has no input and no resize: the only frame it ever
 * sends is an ack, and a reply that is anything else is dropped here, so a bug upstream cannot
 * type into someone's shell or change its size.
 */
import { CloseCode } from '../server/common/api.ts';
import { decode, isFrameError } from '../server/common/frames.ts';
import { Emitter, type Disposable } from '../server/common/lifecycle.ts';
import { TerminalReceiver, type TerminalSink } from '../server/common/terminalReceiver.ts';

/** What the shadow's socket needs of a WebSocket (tests hand in a fake). */
export interface ShadowSocket {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((e: unknown) => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: ((e: { code: number; reason: string }) => void) | null;
}

export type OpenShadowSocket = (path: string) => ShadowSocket;

export type ShadowState =
  | 'connecting'
  | 'open' // the snapshot is on the screen; output follows
  | 'reconnecting' // the connection dropped
  | 'waiting' // the shell ended or the attendee has no sandbox: trying again now and then
  | 'refused' // the admin cookie is gone: log in again
  | 'closed';

/** WebSocket.OPEN (a constant here, so the module loads where there is no WebSocket). */
const OPEN = 1;
const RETRY_FIRST_MS = 300;
const RETRY_MAX_MS = 5_000;
/** The attendee's shell ended or their sandbox is gone: look again this often. */
const WAIT_RETRY_MS = 5_000;

function browserSocket(path: string): ShadowSocket {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`);
  return ws as unknown as ShadowSocket;
}

/** True only for an ack frame: everything else a shadow might send is refused. */
export function isAckFrame(frame: Uint8Array): boolean {
  const f = decode(frame);
  return !isFrameError(f) && f.type === 'ack';
}

export class ShadowLink implements Disposable {
  private readonly _onState = new Emitter<{ state: ShadowState; reason?: string }>();
  readonly onState = this._onState.event;
  private readonly _receiver: TerminalReceiver;
  private _ws: ShadowSocket | undefined;
  private _state: ShadowState = 'closed';
  private _wanted = false;
  private _retry: ReturnType<typeof setTimeout> | undefined;
  private _retryMs = RETRY_FIRST_MS;

  constructor(
    /** routes.shadow.path({ workshop, attendee, node }) */
    readonly path: string,
    sink: TerminalSink,
    private readonly _openSocket: OpenShadowSocket = browserSocket,
  ) {
    this._receiver = new TerminalReceiver(sink);
    this._receiver.onSnapshot(() => this._set('open'));
  }

  get state(): ShadowState {
    return this._state;
  }

  connect(): void {
    this._wanted = true;
    clearTimeout(this._retry);
    if (this._ws) return;
    this._open();
  }

  dispose(): void {
    this._wanted = false;
    clearTimeout(this._retry);
    const ws = this._ws;
    this._ws = undefined;
    ws?.close(1000, 'the console closed the shadow');
    this._set('closed');
    this._onState.dispose();
    this._receiver.dispose();
  }

  private _open(): void {
    const ws = this._openSocket(this.path);
    ws.binaryType = 'arraybuffer';
    this._ws = ws;
    this._receiver.reset();
    this._set(this._state === 'reconnecting' || this._state === 'waiting' ? this._state : 'connecting');
    ws.onopen = () => {
      this._retryMs = RETRY_FIRST_MS;
    };
    ws.onmessage = (e) => {
      if (!(e.data instanceof ArrayBuffer)) return;
      const bad = this._receiver.receive(new Uint8Array(e.data), (frame) => {
        if (!isAckFrame(frame)) {
          console.error('a shadow sends acks only; dropped another frame');
          return;
        }
        if (this._ws === ws && ws.readyState === OPEN) ws.send(frame);
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
    if (!this._wanted) return this._set('closed');
    if (code === CloseCode.Unauthorized) return this._set('refused', reason || 'the admin session ended');
    let delay: number;
    if (code === CloseCode.Ended || code === CloseCode.Gone || code === CloseCode.NotFound) {
      this._set('waiting', reason || (code === CloseCode.Ended ? 'the shell ended' : 'no sandbox'));
      delay = WAIT_RETRY_MS;
    } else {
      this._set('reconnecting', reason || `connection lost (${code})`);
      delay = this._retryMs;
      this._retryMs = Math.min(RETRY_MAX_MS, this._retryMs * 2);
    }
    this._retry = setTimeout(() => {
      if (this._wanted && !this._ws) this._open();
    }, delay);
  }

  private _set(state: ShadowState, reason?: string): void {
    if (state === this._state && !reason) return;
    this._state = state;
    this._onState.fire({ state, reason });
  }
}
