import type { NodeName } from '../common/api.ts';
import type { Disposable } from '../common/lifecycle.ts';
import type { Engine } from '../engine/engine.ts';

export interface NodeInfo {
  name: NodeName;
  /** Host-engine container name, e.g. shiplab-<id>-node1. */
  container: string;
  containerId: string;
  /** The node's address on its sandbox network. */
  ip: string;
  /** Host PID of the node's init; /proc/<pid>/root is the node's filesystem. */
  pid: number;
}

/**
 * A live sandbox. The registry hands out its own record, so a reassign or an extend is seen by
 * whoever holds it (a learner's entry, the page's status).
 */
export interface SandboxInfo {
  id: string;
  /** The learner (session) that owns it; a warm pool's spare is owned by 'pool:<workshop>'. */
  owner: string;
  createdAt: number;
  /** Epoch ms when the TTL sweep removes it: created + TTL, unless extend() set another time. */
  expiresAt: number;
  network: string;
  subnet: string;
  nodes: Record<NodeName, NodeInfo>;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CreateProgress {
  phase: string;
  percent: number;
}

/** A container one node created on another's engine over TCP (Sandboxes.engineCreates). */
export interface RemoteCreate {
  /** The container's full id, as the engine answered the create. */
  id: string;
  /** The name the request asked for (?name=), if any. */
  name?: string;
}

export type DestroyReason = 'requested' | 'expired' | 'idle' | 'broken' | 'shutdown';

/** What the terminal, lesson and HTTP layers need from the sandbox capability. */
export interface Sandboxes {
  readonly engine: Engine;
  create(owner: string, onProgress?: (p: CreateProgress) => void): Promise<SandboxInfo>;
  get(id: string): SandboxInfo | undefined;
  list(): SandboxInfo[];
  /** Marks activity so the idle timeout starts again. */
  touch(id: string): void;
  /** Runs a command in a node as root, not through any learner terminal. */
  exec(id: string, node: NodeName, cmd: string[], opts?: { timeoutMs?: number; stdin?: string }): Promise<ExecResult>;
  /** How many TCP connections `from` opened to `to`:`port` (counted by the host, not the node). */
  tcpConnects(id: string, from: NodeName, to: NodeName, port: number): Promise<number>;
  /** The containers `from` created on `to`'s engine over TCP 2375, as the host recorded them
   * (server/host/createLog.ts), oldest first. */
  engineCreates(id: string, from: NodeName, to: NodeName): Promise<RemoteCreate[]>;
  /**
   * The id of the learner image the mirror serves under `tag` (`nginx:latest`, `busybox:latest`,
   * `registry:2`, …): the same id every node's engine gives it once pulled, read from the host
   * engine, which the learner cannot reach. undefined for a tag that is not one of the lab's.
   */
  catalogImage(tag: string): Promise<string | undefined>;
  /**
   * Gives the sandbox to `owner` (SandboxInfo.owner). In memory only: Docker labels cannot change,
   * so an adopted sandbox comes back with the owner it was created for; the caller keeps the
   * assignment and calls reassign again after a restart.
   * @throws for an unknown id (a bug in the caller).
   */
  reassign(id: string, owner: string): void;
  /**
   * Sets when the sandbox expires (epoch ms; later or earlier than now), which the TTL sweep then
   * honours. In memory only, like reassign: the caller keeps it and extends again after a restart.
   * (Adoption at start still judges by the label, created + TTL: a sandbox past that is removed.)
   * @throws for an unknown id (a bug in the caller) or a time that is not a finite number.
   */
  extend(id: string, expiresAt: number): void;
  destroy(id: string, reason: DestroyReason): Promise<void>;
  onDestroyed(listener: (e: { id: string; reason: DestroyReason }) => void): Disposable;
  dispose(): Promise<void>;
}
