/**
 * The sandbox capability's registry: the live sandboxes of this server and the one door to
 * create, find, touch, exec in and remove them. Building (build.ts), removal (teardown.ts),
 * adoption at start (adoption.ts) and expiry (expiry.ts) are their own modules; this class holds
 * the state they share. It is handed its values (engine, data directory, limits, times, log) by
 * the composition root, server/app/openSandboxes.ts, which prepares the host first.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import type { NodeName } from '../common/api.ts';
import { writeOverride } from './overrides.ts';
import { DisposableStore, Emitter, type Disposable } from '../common/lifecycle.ts';
import type { SandboxLimits, SandboxTimes } from '../core/config.ts';
import type { Logger } from '../core/log.ts';
import type { Engine } from '../engine/engine.ts';
import { countConnects } from '../host/connTrace.ts';
import { createLogPaths, loggedCreates, type CreateLogPaths } from '../host/createLog.ts';
import { unlessNotFound } from '../engine/notFound.ts';
import { LEARNER_RECIPES } from '../images/catalog.ts';
import { adoptOrReap, CreateMarkers } from './adoption.ts';
import { SandboxBuilder } from './build.ts';
import { execIn } from './exec.ts';
import { Expiry } from './expiry.ts';
import { teardownSandbox } from './teardown.ts';
import type { CreateProgress, DestroyReason, ExecResult, RemoteCreate, SandboxInfo, Sandboxes } from './types.ts';

/** The tags of the images the mirror serves to the nodes. */
const LEARNER_TAGS: ReadonlySet<string> = new Set(LEARNER_RECIPES.flatMap((r) => r.tags));

export interface ManagerOptions {
  /** Shiplab's data directory: sandboxes/ (stores) and creating/ (create markers) go here. */
  dataDir: string;
  limits: SandboxLimits;
  times: SandboxTimes;
  log: Logger;
}

export function newSandboxId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.randomBytes(10), (b) => alphabet[b % alphabet.length]).join('');
}

export class SandboxManager implements Sandboxes {
  private readonly store = new DisposableStore();
  private readonly sandboxes = new Map<string, SandboxInfo>();
  private readonly destroying = new Map<string, Promise<void>>();
  private readonly onDestroyedEmitter = this.store.add(new Emitter<{ id: string; reason: DestroyReason }>());
  readonly onDestroyed = (l: (e: { id: string; reason: DestroyReason }) => void): Disposable => this.onDestroyedEmitter.event(l);
  readonly limits: SandboxLimits;
  readonly times: SandboxTimes;
  private readonly log: Logger;
  /** <data dir>/sandboxes: one directory per sandbox. */
  private readonly root: string;
  private readonly markers: CreateMarkers;
  /** Where the host records creates between nodes (started by the host bootstrap). */
  private readonly createLog: CreateLogPaths;
  private readonly builder: SandboxBuilder;
  private readonly expiry: Expiry;

  constructor(readonly engine: Engine, opts: ManagerOptions) {
    this.limits = opts.limits;
    this.times = opts.times;
    this.log = opts.log;
    this.root = path.join(opts.dataDir, 'sandboxes');
    this.createLog = createLogPaths(opts.dataDir);
    fs.mkdirSync(this.root, { recursive: true });
    this.markers = new CreateMarkers(path.join(opts.dataDir, 'creating'));
    this.builder = new SandboxBuilder(engine.docker, this.root, this.limits, this.times.ttlMs, engine.userns);
    this.expiry = this.store.add(new Expiry(this.times, () => this.list(), (id, reason) => this.destroy(id, reason), this.log));
  }

  private get docker(): Docker {
    return this.engine.docker;
  }

  get(id: string): SandboxInfo | undefined {
    return this.sandboxes.get(id);
  }

  list(): SandboxInfo[] {
    return [...this.sandboxes.values()];
  }

  touch(id: string): void {
    if (this.sandboxes.has(id)) this.expiry.touch(id);
  }

  reassign(id: string, owner: string): void {
    const sb = this.known(id);
    if (sb.owner === owner) return;
    const from = sb.owner;
    sb.owner = owner;
    writeOverride(this.root, id, 'owner', owner, this.log);
    this.log.info('sandbox reassigned', { id, from, owner });
  }

  extend(id: string, expiresAt: number): void {
    if (!Number.isFinite(expiresAt)) throw new RangeError(`extend ${id}: expiresAt must be epoch ms (got ${expiresAt})`);
    const sb = this.known(id);
    if (sb.expiresAt === expiresAt) return;
    sb.expiresAt = expiresAt;
    writeOverride(this.root, id, 'expiresAt', String(expiresAt), this.log);
    this.log.info('sandbox expiry set', { id, expiresAt: new Date(expiresAt).toISOString() });
  }

  /** The record of a sandbox this manager holds; an unknown id is a bug in the caller. */
  private known(id: string): SandboxInfo {
    const sb = this.sandboxes.get(id);
    if (!sb) throw new Error(`no sandbox ${id}`);
    return sb;
  }

  async create(owner: string, onProgress?: (p: CreateProgress) => void): Promise<SandboxInfo> {
    if (this.store.isDisposed) throw new Error('the sandbox manager is closed');
    const id = newSandboxId();
    const started = Date.now();
    const progress = (phase: string, percent: number) => onProgress?.({ phase, percent });
    const marker = this.markers.hold(id);
    try {
      const info = await this.builder.build(id, owner, progress);
      this.sandboxes.set(id, info);
      this.expiry.touch(id);
      this.log.info('sandbox ready', { id, ms: Date.now() - started, owner });
      progress('ready', 100);
      return info;
    } catch (err) {
      this.log.error('sandbox create failed; removing what was made', { id, error: (err as Error).message });
      await this.teardown(id).catch((e) => this.log.error('cleanup after a failed create failed', { id, error: (e as Error).message }));
      throw err;
    } finally {
      await marker.dispose();
    }
  }

  async exec(id: string, node: NodeName, cmd: string[], opts: { timeoutMs?: number; stdin?: string } = {}): Promise<ExecResult> {
    const sb = this.sandboxes.get(id);
    if (!sb) throw new Error(`no sandbox ${id}`);
    this.touch(id);
    return execIn(this.docker, sb.nodes[node].container, cmd, opts);
  }

  async tcpConnects(id: string, from: NodeName, to: NodeName, port: number): Promise<number> {
    return countConnects(id, from, to, port);
  }

  async engineCreates(id: string, from: NodeName, to: NodeName): Promise<RemoteCreate[]> {
    const sb = this.known(id);
    return loggedCreates(this.createLog, sb.nodes[from].ip, sb.nodes[to].ip, sb.createdAt).map((c) => ({ id: c.id, ...(c.name !== undefined && { name: c.name }) }));
  }

  private readonly catalogIds = new Map<string, Promise<string | undefined>>();

  catalogImage(tag: string): Promise<string | undefined> {
    if (!LEARNER_TAGS.has(tag)) return Promise.resolve(undefined);
    // Built once before any sandbox starts and not rebuilt while the server runs.
    let id = this.catalogIds.get(tag);
    if (!id) {
      id = unlessNotFound(this.docker.getImage(tag).inspect()).then((i) => i?.Id);
      id.catch(() => this.catalogIds.delete(tag));
      this.catalogIds.set(tag, id);
    }
    return id;
  }

  async destroy(id: string, reason: DestroyReason): Promise<void> {
    const running = this.destroying.get(id);
    if (running) return running;
    const p = (async () => {
      const had = this.sandboxes.delete(id);
      this.expiry.forget(id);
      if (had) this.onDestroyedEmitter.fire({ id, reason });
      await this.teardown(id);
      this.log.info('sandbox removed', { id, reason });
    })();
    this.destroying.set(id, p);
    try {
      await p;
    } finally {
      this.destroying.delete(id);
    }
  }

  /** Removes everything that belongs to sandbox `id`, whatever state it is in. */
  private teardown(id: string): Promise<void> {
    return teardownSandbox(this.docker, this.root, id, this.log);
  }

  /** Re-adopts live sandboxes labelled by Shiplab and removes broken, expired or orphaned ones. */
  adoptOrReap(): Promise<void> {
    return adoptOrReap({
      docker: this.docker,
      sandboxesDir: this.root,
      markers: this.markers,
      holds: (id) => this.sandboxes.has(id),
      adopt: (info, at) => {
        this.sandboxes.set(info.id, info);
        this.expiry.touch(info.id, at);
      },
      remove: (id) => this.teardown(id),
      log: this.log,
    });
  }

  /** Enforces TTL and idle expiry now (it also runs on a timer). */
  sweepNow(): Promise<void> {
    return this.expiry.sweepNow();
  }

  /** Stops watching; sandboxes stay for the next server to re-adopt. */
  async dispose(): Promise<void> {
    await Promise.allSettled(this.destroying.values());
    await this.store.dispose();
  }

  /** Removes every sandbox this manager holds (tests, `sandbox down --all`). */
  async destroyAll(reason: DestroyReason = 'requested'): Promise<void> {
    await Promise.all(this.list().map((s) => this.destroy(s.id, reason)));
  }
}
