/**
 * Types command lines into a terminal the way a learner would, one line at a time, waiting for
 * the shell's prompt before the next. The prompt is read off a headless screen fed with the
 * terminal's output, so colours and cursor moves do not confuse it.
 */
import headless from '@xterm/headless';
import type { Disposable } from '../common/lifecycle.ts';

const { Terminal } = headless;

/** What a typist needs from a terminal connection. */
export interface TerminalPort {
  send(data: string): void;
  onOutput(listener: (data: string) => void): Disposable;
}

/**
 * A prompt at the cursor: bash's `root@node1:~# ` or `$ `, a continuation `> `, or a shell in a
 * container (`/ # `). Matched against the text left of the cursor only.
 */
const PROMPT_AT_CURSOR = /[#$>] $/;
/** The shell has printed the prompt when output stopped for this long with the cursor after one.
 * Long enough to cover the gap between bash's prompt and a late line from a background job. */
export const PROMPT_QUIET_MS = 150;
/** How long one line may run: a `docker pull` of nginx from the local mirror takes ~5 s here; a
 * slow machine gets 24×. */
export const LINE_TIMEOUT_MS = 120_000;
/** A login shell (bash -l, bash-completion) shows its first prompt within ~1 s. */
export const FIRST_PROMPT_TIMEOUT_MS = 30_000;
const POLL_MS = 25;

export class Typist implements Disposable {
  private readonly _screen: InstanceType<typeof Terminal>;
  private readonly _sub: Disposable;
  private _lastOutput = Date.now();
  /** Line feeds received: a typed line's Enter echoes one, so a prompt counts only after it. */
  private _newlines = 0;
  private _pending = 0;
  private _closed: string | undefined;

  constructor(private readonly _port: TerminalPort, cols: number, rows: number) {
    this._screen = new Terminal({ cols, rows, scrollback: 200, allowProposedApi: true });
    this._sub = _port.onOutput((data) => {
      this._lastOutput = Date.now();
      for (let i = data.indexOf('\n'); i >= 0; i = data.indexOf('\n', i + 1)) this._newlines++;
      this._pending++;
      this._screen.write(data, () => this._pending--);
    });
  }

  /** Marks the connection gone; waits then fail with `reason`. */
  close(reason: string): void {
    this._closed ??= reason;
  }

  /** The text left of the cursor on its line. */
  cursorLine(): string {
    const b = this._screen.buffer.active;
    return b.getLine(b.baseY + b.cursorY)?.translateToString(false, 0, b.cursorX) ?? '';
  }

  atPrompt(): boolean {
    return this._pending === 0 && Date.now() - this._lastOutput >= PROMPT_QUIET_MS && PROMPT_AT_CURSOR.test(this.cursorLine());
  }

  /** Waits for a prompt at the cursor, on a line after the first `afterNewlines` line feeds. */
  async waitForPrompt(timeoutMs = FIRST_PROMPT_TIMEOUT_MS, afterNewlines = -1): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(this._newlines > afterNewlines && this.atPrompt())) {
      if (this._closed) throw new Error(`the terminal closed: ${this._closed}`);
      if (Date.now() > deadline) {
        throw new Error(`no shell prompt within ${(timeoutMs / 1000).toFixed(1)} s; the screen ends with ${JSON.stringify(this.cursorLine().slice(-60))}`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Types `line` and Enter, then waits for the next prompt. */
  async typeLine(line: string, timeoutMs = LINE_TIMEOUT_MS): Promise<void> {
    if (/[\r\n]/.test(line)) throw new TypeError(`typeLine types one line; got ${JSON.stringify(line)}`);
    const before = this._newlines;
    this._port.send(`${line}\r`);
    try {
      await this.waitForPrompt(timeoutMs, before);
    } catch (err) {
      throw new Error(`\`${line}\`: ${(err as Error).message}`);
    }
  }

  dispose(): void {
    void this._sub.dispose();
    this._screen.dispose();
  }
}
