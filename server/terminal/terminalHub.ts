/**
 * All terminal sessions of this server, one per (sandbox, node). Attaching a socket finds or
 * starts the node's shell; a sandbox that is destroyed ends its shells and closes their sockets
 * with CloseCode.Gone.
 */
import type { WebSocket } from 'ws';
import { CloseCode, type NodeName } from '../common/api.ts';
import { DisposableStore, type Disposable } from '../common/lifecycle.ts';
import { logger, type Logger } from '../core/log.ts';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { dockerNodeShell, type NodeShell } from './nodeShell.ts';
import { linkSocket } from './socketLink.ts';
import { TerminalSession, type TerminalStats } from './terminalSession.ts';

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
  private readonly _links = new Set<Disposable>();
  private readonly _lastTouch = new Map<string, number>();
  private readonly _sandboxes: Sandboxes;
  private readonly _shell: NodeShell;
  private readonly _log: Logger;
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
      ws.close(CloseCode.Gone, 'the terminal server is shutting down');
      return;
    }
    const key = `${sandbox.id}/${node}`;
    let session = this._sessions.get(key);
    if (!session || session.isEnded) {
      session = new TerminalSession({ sandbox, node, shell: this._shell, graceMs: this.graceMs, log: this._log });
      const created = session;
      this._sessions.set(key, created);
      created.onEnded(() => {
        if (this._sessions.get(key) === created) this._sessions.delete(key);
      });
    }
    const link = linkSocket(ws, session, { log: this._log, onInput: () => this._touch(sandbox.id) });
    this._links.add(link);
    ws.once('close', () => this._links.delete(link));
    this._touch(sandbox.id);
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
    await Promise.all(ending);
  }

  async dispose(): Promise<void> {
    if (this._store.isDisposed) return;
    await this._store.dispose();
    for (const link of this._links) void link.dispose();
    this._links.clear();
    const all = [...this._sessions.values()].map((s) =>
      s.end({ code: CloseCode.Gone, reason: 'the terminal server is shutting down', inNode: true }),
    );
    await Promise.race([Promise.all(all), new Promise((r) => setTimeout(r, SHUTDOWN_END_TIMEOUT_MS))]);
    this._sessions.clear();
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

