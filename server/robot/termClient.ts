/**
 * A Node terminal client that behaves like the browser: one WebSocket per node terminal, binary
 * frames, acks after its headless xterm has parsed output (in ACK_CHUNK_BYTES chunks), a screen
 * you can read as text, and `run(line)` that types a command and waits for the prompt.
 *
 * @example
 *   const t = await TermClient.connect(lab, 'node1');
 *   const out = await t.run('docker version --format {{.Server.Version}}');
 *   t.close();
 */
import headless from '@xterm/headless';
import { WebSocket } from 'ws';
import type { NodeName } from '../common/api.ts';
import { decode, frames, isFrameError } from '../common/frames.ts';
import { AckCounter } from '../common/flowControl.ts';
import { toDisposable, type Disposable } from '../common/lifecycle.ts';
import type { LabClient } from './labClient.ts';
import { screenText } from '../common/screenText.ts';

const { Terminal } = headless;

/** The node's prompt (images/node/bashrc: PS1='\u@\h:\w\$ '), e.g. `root@node1:~# `. */
export const PROMPT_PATTERN = /[\w.-]+@[\w.-]+:[^\n]*[#$] $/;

/** Output kept for run()/waitFor() matching; older output is dropped (the screen keeps its own). */
const MAX_TRANSCRIPT_CHARS = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
/** A fresh shell prints its first prompt within this long (bash -l in a node: ~100 ms). */
const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
const POLL_MS = 10;

/** The socket closed; `code` is a CloseCode (server/common/api.ts) or a WebSocket code. */
export class TermClosedError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`terminal closed (${code}${reason ? `: ${reason}` : ''})`);
  }
}

/** run()/waitFor() gave up; `screen` is what the terminal showed then. */
export class TermTimeoutError extends Error {
  constructor(
    what: string,
    readonly screen: string,
  ) {
    super(`${what}; the screen shows:\n${screen}`);
  }
}

/** Removes escape sequences and carriage returns, leaving the text a reader would see. */
export function plainText(s: string): string {
  return s
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '') // OSC (titles, hyperlinks)
    .replace(/\x1b\[[0-9;?<>=!]*[ -/]*[@-~]/g, '') // CSI (colours, cursor, modes)
    .replace(/\x1b[()*+][0-9A-Za-z]/g, '') // charset selection
    .replace(/\x1b[=>78DEHMNOZc]/g, '')
    .replace(/[\x07\x08\x0e\x0f]/g, '')
    .replace(/\r/g, '');
}

export interface ConnectOptions {
  cols?: number;
  rows?: number;
  /** Extra headers for the upgrade (tests: a foreign Origin, another cookie). */
  headers?: Record<string, string>;
  /** Wait until a prompt shows (default true). */
  waitForPrompt?: boolean;
  timeoutMs?: number;
}

export class TermClient implements Disposable {
  private readonly _ws: WebSocket;
  private readonly _term: InstanceType<typeof Terminal>;
  private readonly _acks = new AckCounter();
  private readonly _decoder = new TextDecoder();
  private readonly _outputListeners = new Set<(data: string, tMs: number) => void>();
  private readonly _t0 = performance.now();
  private _transcript = '';
  /** How many characters were dropped from the front of _transcript. */
  private _dropped = 0;
  private _closed: TermClosedError | undefined;
  private _exitCode: number | undefined;
  /** Resolves when the socket closes, with its code and reason. */
  readonly closed: Promise<TermClosedError>;
  private _gotSnapshot!: () => void;
  private readonly _snapshot = new Promise<void>((resolve) => (this._gotSnapshot = resolve));

  private constructor(ws: WebSocket, cols: number, rows: number) {
    this._ws = ws;
    this._term = new Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this._closed = new TermClosedError(code, reason.toString());
        resolve(this._closed);
      });
    });
    ws.on('error', () => {
      // A close event follows; errors are reported through `closed`.
    });
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) return;
      const f = decode(data);
      if (isFrameError(f)) return;
      if (f.type === 'snapshot') {
        // RIS (ESC c) resets the terminal in the write queue, after output still being parsed;
        // the snapshot is written at the size it was taken at.
        this._term.write('\x1bc', () => {
          if (f.cols !== this._term.cols || f.rows !== this._term.rows) this._term.resize(f.cols, f.rows);
        });
        const data = new Uint8Array(f.data);
        this._term.write(data, () => {
          // Back to our own size; the server resizes its side when we say so.
          if (this._term.cols !== cols || this._term.rows !== rows) this._term.resize(cols, rows);
          this._gotSnapshot();
        });
        this._record(this._decoder.decode(data));
      } else if (f.type === 'output') {
        const n = f.data.length;
        const copy = new Uint8Array(f.data);
        this._term.write(copy, () => {
          const ack = this._acks.rendered(n);
          if (ack && ws.readyState === ws.OPEN) ws.send(frames.ack(ack));
        });
        this._record(this._decoder.decode(copy, { stream: true }));
      } else if (f.type === 'exit') {
        this._exitCode = f.code;
      }
    });
  }

  /**
   * Opens the terminal of `node` in `client`'s sandbox and resolves once the screen snapshot has
   * arrived (and, by default, a prompt shows).
   * @throws TermClosedError when the server refuses (e.g. CloseCode.Unauthorized, NotFound).
   * @throws TermTimeoutError when no prompt shows within `timeoutMs`.
   */
  static async connect(client: LabClient, node: NodeName, opts: ConnectOptions = {}): Promise<TermClient> {
    const cols = opts.cols ?? 120;
    const rows = opts.rows ?? 32;
    const ws = new WebSocket(client.terminalUrl(node), {
      headers: { cookie: client.cookie, ...opts.headers },
      perMessageDeflate: false,
    });
    const t = new TermClient(ws, cols, rows);
    await Promise.race([new Promise<void>((resolve) => ws.once('open', () => resolve())), t.closed.then((e) => Promise.reject(e))]);
    ws.send(frames.resize(cols, rows));
    await Promise.race([t._snapshot, t.closed.then((e) => Promise.reject(e))]);
    if (opts.waitForPrompt ?? true) await t.waitForPrompt(opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    return t;
  }

  /** The exit code the shell reported (after it ended), else undefined. */
  get exitCode(): number | undefined {
    return this._exitCode;
  }

  get isClosed(): boolean {
    return this._closed !== undefined;
  }

  /** The visible screen as plain text, one line per row, trailing spaces trimmed. */
  text(): string {
    return screenText(this._term.buffer.active, this._term.rows);
  }

  /** The line the cursor is on. */
  cursorLine(): string {
    const buf = this._term.buffer.active;
    return buf.getLine(buf.baseY + buf.cursorY)?.translateToString(true) ?? '';
  }

  /** Types `data` (keystrokes; '\r' is Enter, '\x03' is Ctrl-C). */
  write(data: string | Uint8Array): void {
    this._assertOpen();
    this._ws.send(frames.input(data));
  }

  resize(cols: number, rows: number): void {
    this._assertOpen();
    this._term.resize(cols, rows);
    this._ws.send(frames.resize(cols, rows));
  }

  /** Sends a raw message (tests: malformed frames, text frames). */
  sendRaw(data: Uint8Array | string): void {
    this._ws.send(data);
  }

  /**
   * Types `line` and Enter, and resolves with the command's output (plain text, without the
   * echoed command and the next prompt) once a fresh prompt follows it.
   * @throws TermTimeoutError after `timeoutMs` (default 30 s); TermClosedError if the socket closes.
   */
  async run(line: string, opts: { timeoutMs?: number } = {}): Promise<string> {
    if (/[\r\n]/.test(line)) throw new Error(`run() takes one line; type multi-line input with write() (got ${JSON.stringify(line)})`);
    const start = this._dropped + this._transcript.length;
    this.write(line + '\r');
    const echo = plainText(line).trim().slice(0, 40);
    let output = '';
    await this._until(`"${line}" did not return to a prompt`, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
      const since = plainText(this._transcript.slice(Math.max(0, start - this._dropped)));
      const at = since.indexOf(echo);
      if (at < 0) return false;
      const afterEcho = since.slice(at + echo.length);
      const nl = afterEcho.indexOf('\n');
      if (nl < 0) return false;
      const rest = afterEcho.slice(nl + 1);
      const lastNl = rest.lastIndexOf('\n');
      const last = rest.slice(lastNl + 1);
      if (!PROMPT_PATTERN.test(last) || !this._atPrompt()) return false;
      output = lastNl < 0 ? '' : rest.slice(0, lastNl);
      return true;
    });
    return output;
  }

  /**
   * Waits until the visible screen, or the output received so far (plain text, last 1 MiB),
   * matches `pattern`; resolves with the screen text.
   * @throws TermTimeoutError after `timeoutMs`; TermClosedError if the socket closes first.
   */
  async waitFor(pattern: RegExp | string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    const test = (s: string) => (typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s));
    await this._until(`${String(pattern)} did not show`, timeoutMs, () => test(this.text()) || test(plainText(this._transcript)));
    return this.text();
  }

  /** Waits until the cursor sits after a prompt. */
  async waitForPrompt(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    await this._until('no prompt', timeoutMs, () => this._atPrompt());
  }

  /** The cursor line is a prompt and nothing typed after it. */
  private _atPrompt(): boolean {
    return PROMPT_PATTERN.test(this.cursorLine().trimEnd() + ' ');
  }

  /** Calls `fn` with every piece of output as it arrives (decoded text, ms since connect), e.g.
   * for an asciicast recording. The snapshot counts as output too. */
  onOutput(fn: (data: string, tMs: number) => void): Disposable {
    this._outputListeners.add(fn);
    return toDisposable(() => {
      this._outputListeners.delete(fn);
    });
  }

  /** Closes the socket (the shell keeps running for the server's grace period). */
  close(): void {
    if (this._ws.readyState === this._ws.OPEN || this._ws.readyState === this._ws.CONNECTING) this._ws.close(1000, 'client done');
    this._term.dispose();
  }

  dispose(): void {
    this.close();
  }

  private _record(text: string): void {
    if (!text) return;
    this._transcript += text;
    if (this._transcript.length > MAX_TRANSCRIPT_CHARS) {
      const cut = this._transcript.length - MAX_TRANSCRIPT_CHARS / 2;
      this._transcript = this._transcript.slice(cut);
      this._dropped += cut;
    }
    const t = performance.now() - this._t0;
    for (const l of this._outputListeners) l(text, t);
  }

  private _assertOpen(): void {
    if (this._closed) throw this._closed;
    if (this._ws.readyState !== this._ws.OPEN) throw new Error('terminal socket is not open');
  }

  private async _until(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (done()) return;
      if (this._closed) throw this._closed;
      if (Date.now() > deadline) throw new TermTimeoutError(`${what} within ${timeoutMs} ms`, this.text());
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}
