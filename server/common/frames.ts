/**
 * The terminal wire, written once: every WebSocket message between a browser (or the Node
 * TermClient) and a terminal session is one binary frame of one opcode byte followed by a payload.
 * Both ends import this file; nothing else knows the layout.
 *
 *   input     client → server   payload: raw bytes typed (UTF-8)
 *   output    server → client   payload: raw bytes the shell wrote (UTF-8; a frame may end mid-character)
 *   resize    client → server   payload: cols u16, rows u16 (big-endian)
 *   ack       client → server   payload: bytes u32 (big-endian) the client has rendered since its last ack
 *   exit      server → client   payload: exit code i32 (big-endian)
 *   snapshot  server → client   payload: cols u16, rows u16, then serialized screen (UTF-8 escape sequences)
 *   skip      server → client   no payload: what follows (a snapshot, or output that redraws the
 *                               screen) supersedes every output frame sent before this one (Ctrl-C
 *                               during a flood), so the client may drop the output it has not shown
 *                               yet, and show none until the next frame
 */

export const Op = {
  Input: 0x01,
  Output: 0x02,
  Resize: 0x03,
  Ack: 0x04,
  Exit: 0x05,
  Snapshot: 0x06,
  Skip: 0x07,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

/** Largest frame either side accepts, bytes. Matches the server's ws maxPayload; output is
 * batched far below it (flow control keeps at most HIGH_WATERMARK_BYTES in flight). */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** ETX, the byte Ctrl-C types: the client holds its screen for it, the server starts a skip. */
export const CTRL_C = 0x03;

/** xterm.js refuses sizes beyond this; a bigger resize is a broken client, not a big screen. */
export const MAX_TERMINAL_DIMENSION = 4096;

export type Frame =
  | { type: 'input'; data: Uint8Array }
  | { type: 'output'; data: Uint8Array }
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'ack'; bytes: number }
  | { type: 'exit'; code: number }
  | { type: 'snapshot'; cols: number; rows: number; data: Uint8Array }
  | { type: 'skip' };

export type FrameType = Frame['type'];

/** A frame that could not be read; `error` says what is wrong with it. */
export interface FrameError {
  error: string;
}

export function isFrameError(v: Frame | FrameError): v is FrameError {
  return 'error' in v;
}

const encoder = new TextEncoder();

function bytesOf(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

function withHeader(op: OpCode, headerBytes: number, payload: Uint8Array): { frame: Uint8Array; view: DataView } {
  const frame = new Uint8Array(1 + headerBytes + payload.length);
  frame[0] = op;
  frame.set(payload, 1 + headerBytes);
  return { frame, view: new DataView(frame.buffer, frame.byteOffset, frame.byteLength) };
}

function checkDimension(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_TERMINAL_DIMENSION) {
    throw new RangeError(`${name} must be an integer in 1..${MAX_TERMINAL_DIMENSION} (got ${n})`);
  }
}

/**
 * Encodes one frame. Throws (a programmer error) when a size is out of range or the frame would
 * be larger than MAX_FRAME_BYTES: callers split output long before that.
 */
export function encode(frame: Frame): Uint8Array {
  let out: Uint8Array;
  switch (frame.type) {
    case 'input':
    case 'output':
      out = withHeader(frame.type === 'input' ? Op.Input : Op.Output, 0, frame.data).frame;
      break;
    case 'resize': {
      checkDimension('cols', frame.cols);
      checkDimension('rows', frame.rows);
      const { frame: f, view } = withHeader(Op.Resize, 4, new Uint8Array(0));
      view.setUint16(1, frame.cols);
      view.setUint16(3, frame.rows);
      out = f;
      break;
    }
    case 'ack': {
      if (!Number.isInteger(frame.bytes) || frame.bytes < 0 || frame.bytes > 0xffffffff) {
        throw new RangeError(`ack bytes must be an integer in 0..2^32-1 (got ${frame.bytes})`);
      }
      const { frame: f, view } = withHeader(Op.Ack, 4, new Uint8Array(0));
      view.setUint32(1, frame.bytes);
      out = f;
      break;
    }
    case 'exit': {
      const { frame: f, view } = withHeader(Op.Exit, 4, new Uint8Array(0));
      view.setInt32(1, frame.code | 0);
      out = f;
      break;
    }
    case 'snapshot': {
      checkDimension('cols', frame.cols);
      checkDimension('rows', frame.rows);
      const { frame: f, view } = withHeader(Op.Snapshot, 4, frame.data);
      view.setUint16(1, frame.cols);
      view.setUint16(3, frame.rows);
      out = f;
      break;
    }
    case 'skip':
      out = Uint8Array.of(Op.Skip);
      break;
  }
  if (out.length > MAX_FRAME_BYTES) {
    throw new RangeError(`a ${frame.type} frame of ${out.length} bytes exceeds MAX_FRAME_BYTES (${MAX_FRAME_BYTES})`);
  }
  return out;
}

/** Shorthands for the common frames. */
export const frames = {
  input: (data: Uint8Array | string): Uint8Array => encode({ type: 'input', data: bytesOf(data) }),
  output: (data: Uint8Array | string): Uint8Array => encode({ type: 'output', data: bytesOf(data) }),
  /** An output frame of `text` whose UTF-8 length the caller knows: encoded straight into the
   * frame, one allocation instead of two (the server's output path, at flood rates). */
  outputText: (text: string, byteLength: number): Uint8Array => {
    if (1 + byteLength > MAX_FRAME_BYTES) throw new RangeError(`an output frame of ${1 + byteLength} bytes exceeds MAX_FRAME_BYTES (${MAX_FRAME_BYTES})`);
    const frame = new Uint8Array(1 + byteLength);
    frame[0] = Op.Output;
    const { written } = encoder.encodeInto(text, frame.subarray(1));
    if (written !== byteLength) throw new RangeError(`outputText: the text is ${written} bytes of UTF-8, not ${byteLength}`);
    return frame;
  },
  resize: (cols: number, rows: number): Uint8Array => encode({ type: 'resize', cols, rows }),
  ack: (bytes: number): Uint8Array => encode({ type: 'ack', bytes }),
  exit: (code: number): Uint8Array => encode({ type: 'exit', code }),
  snapshot: (cols: number, rows: number, data: Uint8Array | string): Uint8Array =>
    encode({ type: 'snapshot', cols, rows, data: bytesOf(data) }),
  skip: (): Uint8Array => encode({ type: 'skip' }),
};

function fixedLength(name: string, buf: Uint8Array, want: number): FrameError | undefined {
  return buf.length === want ? undefined : { error: `${name} frame must be ${want} byte${want === 1 ? '' : 's'}, got ${buf.length}` };
}

function readDimensions(name: string, view: DataView): { cols: number; rows: number } | FrameError {
  const cols = view.getUint16(1);
  const rows = view.getUint16(3);
  if (cols < 1 || rows < 1 || cols > MAX_TERMINAL_DIMENSION || rows > MAX_TERMINAL_DIMENSION) {
    return { error: `${name} size ${cols}x${rows} is outside 1..${MAX_TERMINAL_DIMENSION}` };
  }
  return { cols, rows };
}

/**
 * Decodes one frame. Never throws: anything malformed (empty, oversized, unknown opcode, wrong
 * length, size out of range) comes back as a FrameError naming the problem. Payloads are views
 * into `buf`, not copies.
 */
export function decode(buf: Uint8Array): Frame | FrameError {
  if (buf.length === 0) return { error: 'empty frame' };
  if (buf.length > MAX_FRAME_BYTES) {
    return { error: `frame of ${buf.length} bytes exceeds MAX_FRAME_BYTES (${MAX_FRAME_BYTES})` };
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const op = buf[0];
  switch (op) {
    case Op.Input:
      return { type: 'input', data: buf.subarray(1) };
    case Op.Output:
      return { type: 'output', data: buf.subarray(1) };
    case Op.Resize: {
      const bad = fixedLength('resize', buf, 5);
      if (bad) return bad;
      const dims = readDimensions('resize', view);
      return 'error' in dims ? dims : { type: 'resize', ...dims };
    }
    case Op.Ack: {
      const bad = fixedLength('ack', buf, 5);
      return bad ?? { type: 'ack', bytes: view.getUint32(1) };
    }
    case Op.Exit: {
      const bad = fixedLength('exit', buf, 5);
      return bad ?? { type: 'exit', code: view.getInt32(1) };
    }
    case Op.Snapshot: {
      if (buf.length < 5) return { error: `snapshot frame must be at least 5 bytes, got ${buf.length}` };
      const dims = readDimensions('snapshot', view);
      return 'error' in dims ? dims : { type: 'snapshot', ...dims, data: buf.subarray(5) };
    }
    case Op.Skip:
      return fixedLength('skip', buf, 1) ?? { type: 'skip' };
    default:
      return { error: `unknown frame opcode 0x${(op ?? 0).toString(16).padStart(2, '0')}` };
  }
}
