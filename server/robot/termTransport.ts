/**
 * How a TermClient (termClient.ts) reaches a terminal session: the transport it needs, and the
 * WebSocket one connect() builds. Unit tests give TermClient a fake server instead.
 */
import type { WebSocket } from 'ws';
import { Emitter, type Disposable } from '../common/lifecycle.ts';

/**
 * What a TermClient needs from a connection to a terminal session: binary messages both ways
 * (server/common/frames.ts) and a close. connect() uses a WebSocket; unit tests a fake server.
 */
export interface TermTransport {
  /** Resolves once messages can be sent; stays pending if the connection closes first (onClose
   * says so). */
  readonly opened: Promise<void>;
  readonly isOpen: boolean;
  /** Sends one message: a Uint8Array as a binary message, a string as a text message.
   * @throws Error when the connection is not open. */
  send(data: Uint8Array | string): void;
  /** Closes the connection (nothing if it is already closed); onClose follows. */
  close(code: number, reason: string): void;
  /** Every binary message from the server. */
  readonly onMessage: (listener: (message: Uint8Array) => void) => Disposable;
  /** The connection closed, once, with its close code and reason. */
  readonly onClose: (listener: (e: { code: number; reason: string }) => void) => Disposable;
}

/** A TermTransport over a `ws` WebSocket; listens from construction, so nothing sent right after
 * the upgrade is missed. */
export class WebSocketTransport implements TermTransport {
  private readonly _onMessage = new Emitter<Uint8Array>();
  readonly onMessage = this._onMessage.event;
  private readonly _onClose = new Emitter<{ code: number; reason: string }>();
  readonly onClose = this._onClose.event;
  readonly opened: Promise<void>;

  constructor(private readonly _ws: WebSocket) {
    this.opened = new Promise((resolve) => _ws.once('open', () => resolve()));
    _ws.on('message', (data: Buffer, isBinary) => {
      // The server only sends binary frames; anything else is not ours to read.
      if (isBinary) this._onMessage.fire(data);
    });
    _ws.on('close', (code, reason) => this._onClose.fire({ code, reason: reason.toString() }));
    _ws.on('error', () => {
      // A close event follows; errors are reported through onClose.
    });
  }

  get isOpen(): boolean {
    return this._ws.readyState === this._ws.OPEN;
  }

  send(data: Uint8Array | string): void {
    if (!this.isOpen) throw new Error('terminal socket is not open');
    this._ws.send(data);
  }

  close(code: number, reason: string): void {
    if (this._ws.readyState === this._ws.OPEN || this._ws.readyState === this._ws.CONNECTING) this._ws.close(code, reason);
  }
}
