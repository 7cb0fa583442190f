/**
 * The Node terminal client, the one the validator, the check CLI (both through LabSession), the
 * e2e tests and the bench use. It behaves like the browser: one WebSocket per node terminal,
 * binary frames decoded and acknowledged by the TerminalReceiver the page uses too (acks after
 * its headless xterm has parsed output), and a screen you can read as text. On that one screen
 * sits the one prompt rule (see atPrompt): `typeLine(line)` types a line the way a learner would
 * and waits for the next prompt; `run(line)` does the same and returns the command's output.
 *
 * One class on purpose, past the usual size: the screen, the prompt rule and typing share their
 * state (pending writes, the time of the last output, line feeds seen), and splitting them would
 * pass that state back and forth. The transport is apart (termTransport.ts).
 *
 * @example
 *   const t = await TermClient.connect(lab, 'node1');
 *   const out = await t.run('docker version --format {{.Server.Version}}');
 *   t.close();
 */
import headless from '@xterm/headless';
import { WebSocket } from 'ws';
import type { NodeName } from '../common/api.ts';
import { frames } from '../common/frames.ts';
import { SCROLLBACK_LINES } from '../common/flowControl.ts';
import { Emitter, type Disposable } from '../common/lifecycle.ts';
import { atPrompt } from '../common/prompt.ts';
import { cursorLineText, screenText } from '../common/screenText.ts';
import { TerminalReceiver } from '../common/terminalReceiver.ts';
import type { LabClient } from './labClient.ts';
import { WebSocketTransport, type TermTransport } from './termTransport.ts';

export type { TermTransport } from './termTransport.ts';

const { Terminal } = headless;

/** The prompt rule lives in server/common/prompt.ts, shared with the server's typist; its
 * constants are re-exported here for the clients that read them from this module. */
export { PROMPT_AT_CURSOR, PROMPT_QUIET_MS } from '../common/prompt.ts';
/** How long one typed line may run (ms): a `docker pull` of nginx from the local mirror takes ~5 s
 * here; a slow machine gets 24×. */
export const LINE_TIMEOUT_MS = 120_000;
/** How long a new terminal may take to show its first prompt (ms): a login shell (bash -l,
 * bash-completion) shows it within ~1 s. */
export const FIRST_PROMPT_TIMEOUT_MS = 30_000;
/** Default for run(), waitFor() and waitForPrompt() (ms): tests wait for quick commands, and a
 * failure should say so well before the test runner's own timeout. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Output kept for run()/waitFor() matching, characters; older output is dropped (the screen
 * keeps its own scrollback). 1 Mi is far more than one command's output in a test. */
const MAX_TRANSCRIPT_CHARS = 1024 * 1024;
/** How often waits look at the screen (ms): far below PROMPT_QUIET_MS, cheap for one terminal. */
const POLL_MS = 10;

/** The socket closed; `code` is a CloseCode (server/common/api.ts) or a WebSocket code. `line` is
 * the line being typed then, if any. */
export class TermClosedError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    readonly line?: string,
  ) {
    super(`terminal closed (${code}${reason ? `: ${reason}` : ''})${line !== undefined ? ` while \`${line}\` ran` : ''}`);
  }
}

/** A wait gave up; `screen` is what the terminal showed then (also in the message). */
export class TermTimeoutError extends Error {
  constructor(
    what: string,
    readonly screen: string,
  ) {
    super(`${what}; the screen shows:\n${screen.replace(/\n+$/, '')}`);
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

export interface AttachOptions {
  cols?: number;
  rows?: number;
  /** Wait until a prompt shows (default true). */
  waitForPrompt?: boolean;
  /** How long to wait for that prompt (default FIRST_PROMPT_TIMEOUT_MS). */
  timeoutMs?: number;
}

export interface ConnectOptions extends AttachOptions {
  /** Extra headers for the upgrade (tests: a foreign Origin, another cookie). */
  headers?: Record<string, string>;
}

export class TermClient implements Disposable {
  private readonly _term: InstanceType<typeof Terminal>;
  private readonly _receiver: TerminalReceiver;
  private readonly _onOutput = new Emitter<string>();
  /**
   * Every piece of output as it arrives, decoded (e.g. for an asciicast recording). A snapshot
   * counts as output too.
   */
  readonly onOutput = this._onOutput.event;
  private readonly _decoder = new TextDecoder();
  /** The size this client wants; a snapshot is written at the server's size, then back to this. */
  private _size: { cols: number; rows: number };
  private _transcript = '';
  /** How many characters were dropped from the front of _transcript. */
  private _dropped = 0;
  /** Line feeds received: a typed line's Enter echoes one, so a prompt counts only after it. */
  private _newlines = 0;
  /** Writes handed to the headless xterm and not yet parsed: the screen is not final until 0. */
  private _pendingWrites = 0;
  private _lastOutput = performance.now();
  private _closed: TermClosedError | undefined;
  private _disposed = false;
  private _exitCode: number | undefined;
  /** Resolves when the connection closes, with its code and reason. */
  readonly closed: Promise<TermClosedError>;
  private readonly _snapshot: Promise<void>;

  private constructor(
    private readonly _transport: TermTransport,
    cols: number,
    rows: number,
  ) {
    this._size = { cols, rows };
    this._term = new Terminal({ cols, rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    this.closed = new Promise((resolve) => {
      _transport.onClose(({ code, reason }) => {
        this._closed ??= new TermClosedError(code, reason);
        resolve(this._closed);
      });
    });
    this._receiver = new TerminalReceiver({
      snapshot: (snapCols, snapRows, data, done) => {
        // RIS (ESC c) resets the terminal in the write queue, after output still being parsed;
        // the snapshot is written at the size it was taken at.
        this._write('\x1bc', () => {
          if (snapCols !== this._term.cols || snapRows !== this._term.rows) this._term.resize(snapCols, snapRows);
        });
        const copy = new Uint8Array(data);
        this._write(copy, () => {
          // Back to our own size; the server resizes its side when we say so.
          const { cols: c, rows: r } = this._size;
          if (this._term.cols !== c || this._term.rows !== r) this._term.resize(c, r);
          done();
        });
        this._record(this._decoder.decode(copy));
      },
      output: (data, rendered) => {
        // A copy: the message buffer is not ours to keep while xterm's queue holds it.
        const copy = new Uint8Array(data);
        this._write(copy, rendered);
        this._record(this._decoder.decode(copy, { stream: true }));
      },
      exit: (code) => {
        this._exitCode = code;
      },
    });
    this._snapshot = new Promise((resolve) => this._receiver.onSnapshot(() => resolve()));
    _transport.onMessage((message) => {
      if (this._disposed) return; // Closing: the screen is gone, and nobody reads it.
      // A malformed frame from the server is ignored: the screen shows what did arrive, and a
      // wait that needed more times out saying what the screen shows.
      this._receiver.receive(message, (ack) => {
        if (_transport.isOpen) _transport.send(ack);
      });
    });
  }

  /**
   * Opens the terminal of `node` in `client`'s sandbox and resolves once the screen snapshot has
   * arrived (and, by default, a prompt shows).
   * @throws TermClosedError when the server refuses (e.g. CloseCode.Unauthorized, NotFound).
   * @throws TermTimeoutError when no prompt shows within `timeoutMs`.
   */
  static connect(client: LabClient, node: NodeName, opts: ConnectOptions = {}): Promise<TermClient> {
    const ws = new WebSocket(client.terminalUrl(node), {
      headers: { cookie: client.cookie, ...opts.headers },
      perMessageDeflate: false,
    });
    return TermClient.attach(new WebSocketTransport(ws), opts);
  }

  /**
   * A client over `transport` (open, or opening): once it is open, says our size, waits for the
   * screen snapshot and, by default, for a prompt. On failure the transport is closed.
   * Listens to the transport from the call on, so call it before anything can arrive.
   * @throws TermClosedError when the connection closes first.
   * @throws TermTimeoutError when no prompt shows within `timeoutMs` (default
   *   FIRST_PROMPT_TIMEOUT_MS).
   * @throws RangeError when `cols` or `rows` is not a terminal size.
   */
  static async attach(transport: TermTransport, opts: AttachOptions = {}): Promise<TermClient> {
    const cols = opts.cols ?? 120;
    const rows = opts.rows ?? 32;
    try {
      // Checked before anything is built, so a bad size names itself rather than failing in xterm.
      frames.resize(cols, rows);
    } catch (err) {
      transport.close(1000, 'client done');
      throw err;
    }
    const t = new TermClient(transport, cols, rows);
    const closed = t.closed.then((e) => Promise.reject(e));
    // Raced below while attaching; after that nobody awaits it, so a later close is not an
    // unhandled rejection.
    closed.catch(() => {});
    try {
      await Promise.race([transport.opened, closed]);
      // A server that refuses closes right after the upgrade: the close may already be under way
      // here, and the race below then reports it as the TermClosedError it is.
      if (transport.isOpen) transport.send(frames.resize(cols, rows));
      await Promise.race([t._snapshot, closed]);
      if (opts.waitForPrompt ?? true) await t.waitForPrompt(opts.timeoutMs ?? FIRST_PROMPT_TIMEOUT_MS);
    } catch (err) {
      t.close();
      throw err;
    }
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

  /** The text left of the cursor on its line (after a prompt: the prompt, e.g. `root@node1:~# `). */
  cursorLine(): string {
    return cursorLineText(this._term.buffer.active);
  }

  /**
   * The one prompt rule (server/common/prompt.ts) on this screen: the text left of the cursor
   * ends like a prompt (PROMPT_AT_CURSOR), the screen has parsed everything received, and output
   * has been quiet for PROMPT_QUIET_MS (a prompt is the last thing a shell prints before it waits
   * for input).
   */
  atPrompt(): boolean {
    return atPrompt({
      parsed: this._pendingWrites === 0,
      quietForMs: performance.now() - this._lastOutput,
      cursorLine: () => this.cursorLine(),
    });
  }

  /**
   * Types `data` (keystrokes; '\r' is Enter, '\x03' is Ctrl-C).
   * @throws TermClosedError when the connection has closed.
   */
  write(data: string | Uint8Array): void {
    this._assertOpen();
    this._receiver.sending(data);
    this._transport.send(frames.input(data));
  }

  /**
   * Resizes our screen and tells the server.
   * @throws TermClosedError when the connection has closed.
   * @throws RangeError when `cols` or `rows` is not a terminal size.
   */
  resize(cols: number, rows: number): void {
    this._assertOpen();
    const frame = frames.resize(cols, rows);
    this._size = { cols, rows };
    this._term.resize(cols, rows);
    this._transport.send(frame);
  }

  /**
   * Sends a raw message (tests: malformed frames, text frames).
   * @throws Error when the connection is not open.
   */
  sendRaw(data: Uint8Array | string): void {
    this._transport.send(data);
  }

  /**
   * Types `line` and Enter the way a learner would, then waits for the next prompt after the
   * Enter's line feed, so neither the prompt the line was typed at nor an echo that ends like a
   * prompt counts.
   * @throws TypeError when `line` is more than one line (type those with write()).
   * @throws TermTimeoutError naming the line after `timeoutMs` (default LINE_TIMEOUT_MS).
   * @throws TermClosedError naming the line when the connection closes first.
   */
  async typeLine(line: string, timeoutMs = LINE_TIMEOUT_MS): Promise<void> {
    await this._typeLine(line, timeoutMs);
  }

  /**
   * Types `line` and Enter like typeLine(), and resolves with the command's output: plain text
   * between the echoed line and the next prompt, without either.
   * @throws TypeError when `line` is more than one line (type those with write()).
   * @throws TermTimeoutError after `timeoutMs` (default 30 s).
   * @throws TermClosedError when the connection closes first.
   */
  async run(line: string, opts: { timeoutMs?: number } = {}): Promise<string> {
    const start = await this._typeLine(line, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const since = plainText(this._transcript.slice(Math.max(0, start - this._dropped)));
    // The output starts on the line after the echo (found by its first 40 characters, as long
    // lines wrap) and ends before the prompt, the last line.
    const echo = plainText(line).trim().slice(0, 40);
    const at = since.indexOf(echo);
    const nl = since.indexOf('\n', at < 0 ? 0 : at + echo.length);
    const rest = since.slice(nl + 1);
    const lastNl = rest.lastIndexOf('\n');
    return lastNl < 0 ? '' : rest.slice(0, lastNl);
  }

  /**
   * Waits until the visible screen, or the output received so far (plain text, last 1 MiB),
   * matches `pattern`; resolves with the screen text.
   * @throws TermTimeoutError after `timeoutMs`.
   * @throws TermClosedError when the connection closes first.
   */
  async waitFor(pattern: RegExp | string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    const test = (s: string) => (typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s));
    await this._until(`${String(pattern)} did not show`, timeoutMs, () => test(this.text()) || test(plainText(this._transcript)));
    return this.text();
  }

  /**
   * Waits until the cursor sits after a prompt (atPrompt()).
   * @throws TermTimeoutError after `timeoutMs`.
   * @throws TermClosedError when the connection closes first.
   */
  async waitForPrompt(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    await this._until('no shell prompt', timeoutMs, () => this.atPrompt());
  }

  /** Closes the connection (the shell keeps running for the server's grace period). */
  close(): void {
    this._transport.close(1000, 'client done');
    if (this._disposed) return;
    this._disposed = true;
    this._term.dispose();
    this._receiver.dispose();
    this._onOutput.dispose();
  }

  dispose(): void {
    this.close();
  }

  /** Types `line` and waits for the prompt after it; resolves with the transcript position
   * (characters ever received) at which the line was typed. */
  private async _typeLine(line: string, timeoutMs: number): Promise<number> {
    if (/[\r\n]/.test(line)) throw new TypeError(`line must be one line; type several with write() (got ${JSON.stringify(line)})`);
    const start = this._dropped + this._transcript.length;
    const newlines = this._newlines;
    try {
      this.write(`${line}\r`);
      await this._until(`\`${line}\`: no shell prompt`, timeoutMs, () => this._newlines > newlines && this.atPrompt());
    } catch (err) {
      if (err instanceof TermClosedError && err.line === undefined) throw new TermClosedError(err.code, err.reason, line);
      throw err;
    }
    return start;
  }

  /** Writes to the headless screen, counting the write until xterm has parsed it. */
  private _write(data: string | Uint8Array, parsed: () => void): void {
    this._lastOutput = performance.now();
    this._pendingWrites++;
    this._term.write(data, () => {
      this._pendingWrites--;
      parsed();
    });
  }

  private _record(text: string): void {
    if (!text) return;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this._newlines++;
    this._transcript += text;
    if (this._transcript.length > MAX_TRANSCRIPT_CHARS) {
      const cut = this._transcript.length - MAX_TRANSCRIPT_CHARS / 2;
      this._transcript = this._transcript.slice(cut);
      this._dropped += cut;
    }
    this._onOutput.fire(text);
  }

  private _assertOpen(): void {
    if (this._closed) throw this._closed;
    if (!this._transport.isOpen) throw new Error('terminal socket is not open');
  }

  private async _until(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (done()) return;
      if (this._closed) throw this._closed;
      if (performance.now() > deadline) throw new TermTimeoutError(`${what} within ${(timeoutMs / 1000).toFixed(1)} s`, this.text());
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}
