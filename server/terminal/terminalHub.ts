/**
 * All terminal sessions of this server, one per (sandbox, node). Attaching a socket, shadowing
 * one (a read-only viewer) or typing lines into one finds or starts the node's shell; a sandbox
 * that is destroyed ends its shells and closes their sockets and viewers with CloseCode.Gone.
 */
import type { WebSocket } from 'ws';
import { CloseCode, type NodeName } from '../common/api.ts';
import { DisposableStore, type Disposable } from '../common/lifecycle.ts';
import { logger, type Logger } from '../core/log.ts';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { dockerNodeShell, type NodeShell } from './nodeShell.ts';
import { linkSocket, watchSocket } from './socketLink.ts';
import { EchoPriority } from './echoPriority.ts';
import { TerminalSession, type TerminalStats } from './terminalSession.ts';
import { typeLines, type TypeLinesOptions } from './typist.ts';

/** A shell without a socket lives this long, so a reload (or a short network loss) reconnects
 * to the same shell; VS Code keeps detached terminals for 60 s too. */
export const DEFAULT_GRACE_MS = 60_000;

/** Input marks the sandbox active at most this often (touch() is cheap, but not per key). */
const TOUCH_INTERVAL_MS = 10_000;

/** Bounds how long shutdown waits for shells inside nodes to end. */
const SHUTDOWN_END_TIMEOUT_MS = 5_000;

export interface TerminalHubOptions {
  sandboxes: Sandboxes;
  /** How shells are spawned and ended; default `docker exec` into the node. */
  shell?: NodeShell;
  /** Grace period without a socket, ms; default DEFAULT_GRACE_MS (the configured one comes from
   * the composition root: SHIPLAB_TERMINAL_GRACE_S). */
  graceMs?: number;
  log?: Logger;
}

export class TerminalHub implements Disposable {
  private readonly _store = new DisposableStore();
  private readonly _sessions = new Map<string, TerminalSession>();
  /** Output bytes of the sessions that have ended (bytesOutTotal). */
  private _endedBytesOut = 0;
  private readonly _links = new Set<Disposable>();
  private readonly _lastTouch = new Map<string, number>();
  /** Per sandbox: Date.now() of the last input frame from an attached socket. */
  private readonly _lastInput = new Map<string, number>();
  private readonly _sandboxes: Sandboxes;
  private readonly _shell: NodeShell;
  private readonly _log: Logger;
  /** One for all terminals: a flood is held while another terminal waits for its echo. */
  private readonly _priority = this._store.add(new EchoPriority());
  readonly graceMs: number;

  constructor(opts: TerminalHubOptions) {
    this._sandboxes = opts.sandboxes;
    this._shell = opts.shell ?? dockerNodeShell(opts.sandboxes);
    this._log = opts.log ?? logger('terminal');
    this.graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    this._store.add(
      opts.sandboxes.onDestroyed(({ id, reason }) => {
        void this.endSandbox(id, CloseCode.Gone, `the sandbox was removed (${reason})`);
      }),
    );
  }

  /** Attaches `ws` to the shell on `node` of `sandbox`, starting the shell if needed. The caller
   * has already checked that the learner owns the sandbox. */
  attach(ws: WebSocket, sandbox: SandboxInfo, node: NodeName): void {
    if (this._store.isDisposed) {
      ws.close(CloseCode.Restarting, 'the lab server is restarting');
      return;
    }
    const session = this._sessionFor(sandbox, node);
    const onInput = () => {
      this._lastInput.set(sandbox.id, Date.now());
      this._touch(sandbox.id);
    };
    const link = linkSocket(ws, session, { log: this._log, onInput });
    this._links.add(link);
    ws.once('close', () => this._links.delete(link));
    this._touch(sandbox.id);
  }

  /**
   * Adds `ws` as a read-only viewer of the shell on `node` of `sandbox` (an instructor's shadow),
   * when one runs (else it closes `ws` with NotFound and returns false; a shadow starts no shell):
   * it gets the screen and the output as the attached socket does;
   * what it sends is dropped. It never replaces nor holds back the attached socket, does not count
   * as attached (the grace period runs as without it), and does not mark the sandbox active. The
   * caller has already checked that the viewer may watch this sandbox.
   */
  shadow(ws: WebSocket, sandbox: SandboxInfo, node: NodeName): boolean {
    if (this._store.isDisposed) {
      ws.close(CloseCode.Restarting, 'the lab server is restarting');
      return false;
    }
    // Only a shell that runs: a shadow starting shells would keep one alive in every node the
    // instructor looks at, long after the attendee left (the page reconnects a closed shadow).
    const session = this._sessions.get(`${sandbox.id}/${node}`);
    if (!session || session.isEnded) {
      ws.close(CloseCode.NotFound, `no terminal is open on ${node} yet`);
      return false;
    }
    const link = watchSocket(ws, session, { log: this._log });
    this._links.add(link);
    ws.once('close', () => this._links.delete(link));
    return true;
  }

  /**
   * Types `lines` into the shell on `node` of `sandbox` (starting it if needed) as if the learner
   * typed them: waits for a prompt, then types each line and Enter and waits for the next prompt
   * (the robot's rule, server/common/prompt.ts). The learner and any viewer see them typed; the
   * learner is not locked out meanwhile. Keeps the shell alive while typing.
   * @throws TypeError when a line holds a line break.
   * @throws TypeLinesError naming the line and node on a timeout (`opts.timeoutMs` for the first
   *   prompt and then per line, default TYPE_LINE_TIMEOUT_MS), or when the shell ends first.
   * @throws Error when the terminal server is shutting down; the signal's reason when it aborts.
   */
  async typeLines(sandbox: SandboxInfo, node: NodeName, lines: string[], opts: TypeLinesOptions = {}): Promise<void> {
    if (this._store.isDisposed) throw new Error('the terminal server is shutting down');
    if (lines.length === 0) return;
    const session = this._sessionFor(sandbox, node);
    this._touch(sandbox.id);
    await typeLines(session, lines, opts);
  }

  /** When (Date.now() ms) a learner last sent an input frame to any node of the sandbox, exact;
   * undefined when never since the server started (or since its shells were ended). Input typed
   * by typeLines does not count. */
  lastInputAt(sandboxId: string): number | undefined {
    return this._lastInput.get(sandboxId);
  }

  /** Whether a learner's socket is attached to a node of the sandbox (viewers do not count). */
  attached(sandboxId: string): boolean {
    for (const s of this._sessions.values()) if (s.sandbox.id === sandboxId && !s.isEnded && s.isAttached) return true;
    return false;
  }

  /** Output bytes sent by every shell this hub has run, ended ones included (a counter). */
  bytesOutTotal(): number {
    let n = this._endedBytesOut;
    for (const s of this._sessions.values()) n += s.stats.bytesOut;
    return n;
  }

  /** Live numbers of every session (flow control, attachment), for tests and benchmarks. */
  stats(): TerminalStats[] {
    return [...this._sessions.values()].map((s) => s.stats);
  }

  /** The session of one node, if a shell runs there (tests). */
  session(sandboxId: string, node: NodeName): TerminalSession | undefined {
    return this._sessions.get(`${sandboxId}/${node}`);
  }

  /** Ends every shell of a sandbox. When the sandbox is gone (`code` Gone) the node processes
   * went with it; otherwise they are ended inside the node. */
  async endSandbox(id: string, code: number, reason: string): Promise<void> {
    const ending = [...this._sessions.values()]
      .filter((s) => s.sandbox.id === id)
      .map((s) => s.end({ code, reason, inNode: code !== CloseCode.Gone }));
    this._lastTouch.delete(id);
    this._lastInput.delete(id);
    await Promise.all(ending);
  }

  async dispose(): Promise<void> {
    if (this._store.isDisposed) return;
    await this._store.dispose();
    for (const link of this._links) void link.dispose();
    this._links.clear();
    const all = [...this._sessions.values()].map((s) =>
      s.end({ code: CloseCode.Restarting, reason: 'the lab server is restarting', inNode: true }),
    );
    await Promise.race([Promise.all(all), new Promise((r) => setTimeout(r, SHUTDOWN_END_TIMEOUT_MS))]);
    this._sessions.clear();
  }

  /** The node's running session, or a new one. */
  private _sessionFor(sandbox: SandboxInfo, node: NodeName): TerminalSession {
    const key = `${sandbox.id}/${node}`;
    const existing = this._sessions.get(key);
    if (existing && !existing.isEnded) return existing;
    const created = new TerminalSession({ sandbox, node, shell: this._shell, graceMs: this.graceMs, log: this._log, priority: this._priority });
    this._sessions.set(key, created);
    created.onEnded(() => {
      if (this._sessions.get(key) !== created) return;
      this._endedBytesOut += created.stats.bytesOut;
      this._sessions.delete(key);
    });
    return created;
  }

  private _touch(id: string): void {
    const now = Date.now();
    if (now - (this._lastTouch.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this._lastTouch.set(id, now);
    try {
      this._sandboxes.touch(id);
    } catch (err) {
      this._log.warn('touch failed', { sandbox: id, error: err instanceof Error ? err.message : String(err) });
    }
  }
}

