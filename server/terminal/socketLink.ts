/**
 * Binds one `ws` WebSocket to one TerminalSession, as its attached socket (linkSocket) or as a
 * read-only viewer (watchSocket): decodes frames, enforces the wire's limits, and closes the
 * socket with CloseCode.BadFrame and a reason on anything malformed. Never throws into the server.
 */
import type { WebSocket, RawData } from 'ws';
import { CloseCode } from '../common/api.ts';
import { decode, isFrameError, type Frame } from '../common/frames.ts';
import { toDisposable, type Disposable } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import { closeReason, type TerminalSession, type TerminalSocket } from './terminalSession.ts';

/** Close codes `ws` itself uses for a malformed message (protocol error, invalid UTF-8 in a
 * text frame, message over maxPayload); we report them as BadFrame with a reason instead. */
const WS_RECEIVER_CLOSE_REASONS: Record<number, string> = {
  1002: 'malformed WebSocket frame',
  1007: 'text frames are not accepted (invalid UTF-8); send binary frames',
  1009: 'frame exceeds MAX_FRAME_BYTES (1 MiB)',
};

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** `ws` as a TerminalSocket, closing in one vocabulary (CloseCode) whoever closes it. */
function adaptSocket(ws: WebSocket): TerminalSocket {
  // HACK: when a message breaks the protocol or exceeds maxPayload, ws closes the socket itself
  // (receiverOnError → websocket.close(1009)) before we hear of it. Wrapping this instance's
  // close maps those codes to CloseCode.BadFrame with a reason, so clients see one vocabulary.
  const close = ws.close.bind(ws);
  ws.close = ((code?: number, reason?: string | Buffer) => {
    const mapped = code !== undefined ? WS_RECEIVER_CLOSE_REASONS[code] : undefined;
    if (mapped) return close(CloseCode.BadFrame, mapped);
    return close(code, reason);
  }) as typeof ws.close;

  return {
    send(frame) {
      if (ws.readyState === ws.OPEN) ws.send(frame, { binary: true });
    },
    close(code, reason) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, closeReason(reason));
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
  };
}

/** Decodes one message into a client → server frame, or closes `socket` with BadFrame. */
function readFrame(data: RawData, isBinary: boolean, socket: TerminalSocket, log: Logger): ClientFrame | undefined {
  const bad = (reason: string) => {
    log.warn('closing terminal socket on a bad frame', { reason });
    socket.close(CloseCode.BadFrame, reason);
    return undefined;
  };
  if (!isBinary) return bad('text frames are not accepted; send binary frames (server/common/frames.ts)');
  const frame = decode(toBytes(data));
  if (isFrameError(frame)) return bad(frame.error);
  if (frame.type === 'input' || frame.type === 'resize' || frame.type === 'ack') return frame;
  return bad(`${frame.type} frames only go from the server to the client`);
}

type ClientFrame = Extract<Frame, { type: 'input' | 'resize' | 'ack' }>;

/** Attaches `ws` to `session` as its one socket: input, resize and acks go to the shell. */
export function linkSocket(ws: WebSocket, session: TerminalSession, opts: { log: Logger; onInput?: () => void }): Disposable {
  const socket = adaptSocket(ws);

  const onMessage = (data: RawData, isBinary: boolean) => {
    const frame = readFrame(data, isBinary, socket, opts.log);
    if (!frame) return;
    switch (frame.type) {
      case 'input':
        opts.onInput?.();
        return session.input(frame.data);
      case 'resize':
        return session.resize(frame.cols, frame.rows);
      case 'ack':
        return session.ack(frame.bytes);
    }
  };
  const onClose = () => session.detach(socket);
  const onError = (err: Error) => {
    // The socket closes after this; the close handler detaches. Logged, never rethrown.
    opts.log.warn('terminal socket error', { error: err.message });
  };

  ws.on('message', onMessage);
  ws.on('close', onClose);
  ws.on('error', onError);
  session.attach(socket);
  return toDisposable(() => {
    ws.off('message', onMessage);
    ws.off('close', onClose);
    ws.off('error', onError);
    session.detach(socket);
    socket.close(CloseCode.Restarting, 'the lab server is restarting');
  });
}

/**
 * Adds `ws` to `session` as a read-only viewer (TerminalSession.watch): it gets the screen and the
 * output; what it sends is read and dropped (input and resize never reach the shell, acks steer
 * nothing), and a malformed message closes it with BadFrame like any terminal socket.
 */
export function watchSocket(ws: WebSocket, session: TerminalSession, opts: { log: Logger }): Disposable {
  const socket = adaptSocket(ws);
  const onMessage = (data: RawData, isBinary: boolean) => {
    // Read for its validity only: a viewer has no input route.
    readFrame(data, isBinary, socket, opts.log);
  };
  const onError = (err: Error) => {
    opts.log.warn('terminal viewer socket error', { error: err.message });
  };
  ws.on('message', onMessage);
  ws.on('error', onError);
  const watching = session.watch(socket);
  const onClose = () => void watching.dispose();
  ws.on('close', onClose);
  // Closed before we listened (a client that left at once): no close event will come.
  if (ws.readyState === ws.CLOSING || ws.readyState === ws.CLOSED) void watching.dispose();
  return toDisposable(() => {
    ws.off('message', onMessage);
    ws.off('close', onClose);
    ws.off('error', onError);
    void watching.dispose();
    socket.close(CloseCode.Restarting, 'the lab server is restarting');
  });
}
