/**
 * One learner in a running lab server, as the validator and the check CLI drive it: a session
 * (LabClient), the lesson's sandbox started through the API, terminals opened over the
 * terminal WebSocket (TermClient) and typed into line by line, checks through the check route.
 * Everything the learner's browser would do goes the browser's way; only the validator's own
 * work (a question's `answer` command) runs through exec.
 */
import type { CheckResult, NodeName } from '../common/api.ts';
import { LabClient } from './labClient.ts';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { TermClient } from './termClient.ts';
import type { CommandLine } from '../lessons/model.ts';
import type { CastRecorder } from './validate/asciicast.ts';

/** Terminal size the validator types at, the size of a typical lab pane. */
export const TERM_COLS = 120;
export const TERM_ROWS = 32;
/** A question's `answer` command may be slow (docker inspect on a busy engine); bounded all the same. */
const HIDDEN_EXEC_TIMEOUT_MS = 120_000;

export class LabSession {
  private readonly _terminals = new Map<NodeName, Promise<TermClient>>();
  private _lastNode: NodeName | undefined;
  private _closed = false;

  private constructor(
    readonly client: LabClient,
    readonly sandbox: SandboxInfo,
    private readonly _sandboxes: Sandboxes,
    private readonly _cast: CastRecorder | undefined,
  ) {}

  /**
   * A new learner on the server at `labUrl` with a ready sandbox for `lesson`.
   * @throws Error when the sandbox does not start (the message says why).
   */
  static async start(labUrl: string, lesson: string, sandboxes: Sandboxes, cast?: CastRecorder): Promise<LabSession> {
    const client = await LabClient.open(labUrl);
    let status;
    try {
      status = await client.startSandbox(lesson);
    } catch (err) {
      await client.stopSandbox().catch(() => undefined); // Swallow: best effort, the start already failed.
      throw err;
    }
    const info = status.id ? sandboxes.get(status.id) : undefined;
    if (!info) {
      await client.stopSandbox().catch(() => undefined); // Swallow: best effort, reporting the real problem below.
      throw new Error(`the lab reported sandbox ${status.id ?? '(no id)'} ready, but the sandbox manager does not know it`);
    }
    return new LabSession(client, info, sandboxes, cast);
  }

  private _terminal(node: NodeName): Promise<TermClient> {
    let t = this._terminals.get(node);
    if (!t) {
      t = (async () => {
        const client = await TermClient.connect(this.client, node, { cols: TERM_COLS, rows: TERM_ROWS });
        // The prompt connect() waited for arrived before the recording listened: write it in.
        this._record(node, client.cursorLine());
        client.onOutput((data) => this._record(node, data));
        return client;
      })();
      this._terminals.set(node, t);
    }
    return t;
  }

  private _record(node: NodeName, data: string): void {
    if (!this._cast) return;
    if (node !== this._lastNode) {
      this._cast.note(node);
      this._lastNode = node;
    }
    this._cast.output(data);
  }

  /** Types each line into its node's terminal and waits for the prompt after it. */
  async type(lines: readonly CommandLine[]): Promise<void> {
    for (const line of lines) {
      // connect() waited for the first prompt and every line waits for the next, so the shell
      // is at a prompt whenever a line is typed.
      const t = await this._terminal(line.node);
      await t.typeLine(line.text);
    }
  }

  /** Runs a hidden script on a node (bash -c), outside the terminals. */
  exec(node: NodeName, script: string) {
    return this._sandboxes.exec(this.sandbox.id, node, ['bash', '-c', script], { timeoutMs: HIDDEN_EXEC_TIMEOUT_MS });
  }

  /** A note in the recording (which step, which attempt). */
  note(text: string): void {
    this._cast?.note(text);
    this._lastNode = undefined;
  }

  check(lesson: string, step: number, answer?: string): Promise<CheckResult> {
    return this.client.check(lesson, step, answer);
  }

  /** Closes the terminals and removes the sandbox. Never throws. */
  async close(): Promise<void> {
    if (this._closed) return;
    this._closed = true;
    for (const t of this._terminals.values()) {
      try {
        (await t).close();
      } catch {
        // Swallow: this terminal never opened; its error was reported where it was used.
      }
    }
    try {
      await this.client.stopSandbox();
    } catch {
      // Swallow: the lab could not remove it (server closing); remove it directly below.
    }
    if (this._sandboxes.get(this.sandbox.id)) await this._sandboxes.destroy(this.sandbox.id, 'requested').catch(() => undefined);
  }
}
