/**
 * The sandbox capability: creates, owns, watches and removes per-learner sandboxes on the host
 * engine. A sandbox is a network, two node containers (node1, remote-docker-engine), a parent
 * cgroup with its limits, two loop-mounted stores and its connection-trace rules; every piece is
 * labelled or named after the sandbox id, so a restarted server re-adopts live sandboxes and
 * removes broken or expired ones.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { NODE_NAMES, type NodeName } from '../common/api.ts';
import { dataDir, sandboxLimits, sandboxTimes, type SandboxLimits, type SandboxTimes } from '../core/config.ts';
import { DisposableStore, Emitter, type Disposable } from '../common/lifecycle.ts';
import { logger, type Logger } from '../core/log.ts';
import { ensureEngine, type Engine } from '../engine/engine.ts';
import { unlessNotFound } from '../engine/notFound.ts';
import { ensureImages, ensureMirror, MIRROR_CONTAINER, MIRROR_PORT, NODE_IMAGE } from '../images/catalog.ts';
import { addTrace, countConnects, countCreates, removeTrace, TRACED_PORTS, type TracePair } from '../host/connTrace.ts';
import { ensureHostIsolation } from '../host/firewall.ts';
import { addressesFor, freeIndex, type SandboxAddresses } from './addresses.ts';
import { cgroupParent, createParentCgroup, removeParentCgroup } from './cgroups.ts';
import { execIn } from './exec.ts';
import { bridgeName, containerName, LABEL, networkName } from './labels.ts';
import { nodeSeccompProfile } from './seccomp.ts';
import { createStore, removeStore, storePaths } from './store.ts';
import type { CreateProgress, DestroyReason, ExecResult, NodeInfo, SandboxInfo, Sandboxes } from './types.ts';

/** Both inner dockerds answer ~1.7 s after start here; a loaded CI machine gets 60 s. */
const ENGINE_READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 50;
/** How often expiry (TTL and idle) is enforced. */
const SWEEP_MS = 30_000;
/** A create marker older than this belongs to a crashed process; its sandbox may be reaped. */
const CREATE_MARKER_MAX_AGE_MS = 5 * 60_000;
/** Subnet races between processes creating at once are retried this often. */
const SUBNET_ATTEMPTS = 8;

const ROLE_ENV: Record<NodeName, string> = { node1: 'node1', 'remote-docker-engine': 'remote' };

export interface OpenOptions {
  log?: Logger;
  limits?: SandboxLimits;
  times?: SandboxTimes;
  /** Re-adopt live sandboxes and remove broken ones at start (default true). */
  adopt?: boolean;
  onImageProgress?: (p: { image: string; phase: string; percent: number }) => void;
}

export async function openSandboxes(opts: OpenOptions = {}): Promise<SandboxManager> {
  const log = opts.log ?? logger('sandbox');
  const engine = await ensureEngine();
  const info = (await engine.docker.info()) as { CgroupDriver?: string };
  if (info.CgroupDriver && info.CgroupDriver !== 'cgroupfs') {
    // Sandbox limits live on a parent cgroup Shiplab writes itself, named by path (cgroupfs).
    throw new Error(
      `the engine at ${engine.host} uses the ${info.CgroupDriver} cgroup driver, but Shiplab's sandbox limits need cgroupfs: ` +
        'unset DOCKER_HOST to let Shiplab run its own engine, or start that dockerd with --exec-opt native.cgroupdriver=cgroupfs',
    );
  }
  await ensureImages(engine.docker, opts.onImageProgress);
  await ensureMirror(engine.docker);
  await ensureHostIsolation();
  const m = new SandboxManager(engine, log, opts.limits ?? sandboxLimits(), opts.times ?? sandboxTimes());
  if (opts.adopt ?? true) await m.adoptOrReap();
  return m;
}

export function newSandboxId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.randomBytes(10), (b) => alphabet[b % alphabet.length]).join('');
}

export class SandboxManager implements Sandboxes {
  private readonly store = new DisposableStore();
  private readonly sandboxes = new Map<string, SandboxInfo>();
  private readonly lastActive = new Map<string, number>();
  private readonly destroying = new Map<string, Promise<void>>();
  private readonly onDestroyedEmitter = this.store.add(new Emitter<{ id: string; reason: DestroyReason }>());
  readonly onDestroyed = (l: (e: { id: string; reason: DestroyReason }) => void): Disposable => this.onDestroyedEmitter.event(l);
  private readonly root = path.join(dataDir(), 'sandboxes');
  private readonly markers = path.join(dataDir(), 'creating');
  private seccomp: string | undefined;

  constructor(
    readonly engine: Engine,
    private readonly log: Logger,
    readonly limits: SandboxLimits,
    readonly times: SandboxTimes,
  ) {
    fs.mkdirSync(this.root, { recursive: true });
    fs.mkdirSync(this.markers, { recursive: true });
    this.store.interval(() => void this.sweepNow(), SWEEP_MS);
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
    if (this.sandboxes.has(id)) this.lastActive.set(id, Date.now());
  }

  async create(owner: string, onProgress?: (p: CreateProgress) => void): Promise<SandboxInfo> {
    if (this.store.isDisposed) throw new Error('the sandbox manager is closed');
    const id = newSandboxId();
    const started = Date.now();
    const progress = (phase: string, percent: number) => onProgress?.({ phase, percent });
    const marker = path.join(this.markers, id);
    fs.writeFileSync(marker, String(process.pid));
    try {
      const info = await this.build(id, owner, progress);
      this.sandboxes.set(id, info);
      this.lastActive.set(id, Date.now());
      this.log.info('sandbox ready', { id, ms: Date.now() - started, owner });
      progress('ready', 100);
      return info;
    } catch (err) {
      this.log.error('sandbox create failed; removing what was made', { id, error: (err as Error).message });
      await this.teardown(id).catch((e) => this.log.error('cleanup after a failed create failed', { id, error: (e as Error).message }));
      throw err;
    } finally {
      fs.rmSync(marker, { force: true });
    }
  }

  private async build(id: string, owner: string, progress: (phase: string, percent: number) => void): Promise<SandboxInfo> {
    const createdAt = Date.now();
    const expiresAt = createdAt + this.times.ttlMs;
    const labels = { [LABEL.sandbox]: id, [LABEL.owner]: owner, [LABEL.created]: String(createdAt), [LABEL.expires]: String(expiresAt) };

    progress('network', 5);
    const { addrs, index } = await this.createNetwork(id, labels);
    const dir = path.join(this.root, id);
    fs.mkdirSync(dir, { recursive: true });
    const resolv = path.join(dir, 'resolv.conf');
    // Nothing listens on the node's loopback :53, so lookups of public names (the engine asks
    // for registry-1.docker.io before the mirror) fail at once instead of timing out for 10 s.
    fs.writeFileSync(resolv, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');

    progress('storage', 10);
    createParentCgroup(id, this.limits);
    await Promise.all([
      ...NODE_NAMES.map((n) => createStore(storePaths(dir, n), this.limits.storeBytes)),
      this.docker.getNetwork(networkName(id)).connect({
        Container: MIRROR_CONTAINER,
        EndpointConfig: { IPAMConfig: { IPv4Address: addrs.mirror } },
      }),
    ]);

    progress('nodes', 35);
    this.seccomp ??= nodeSeccompProfile();
    const ips: Record<NodeName, string> = { node1: addrs.node1, 'remote-docker-engine': addrs.remote };
    const nodes = await Promise.all(
      NODE_NAMES.map((n) => this.createNode(id, n, ips, addrs, dir, resolv, { ...labels, [LABEL.node]: n, [LABEL.subnetIndex]: String(index) })),
    );
    const nodeMap = Object.fromEntries(nodes.map((n) => [n.name, n])) as Record<NodeName, NodeInfo>;

    progress('engines', 50);
    const pairs: TracePair[] = [];
    for (const from of NODE_NAMES) {
      for (const to of NODE_NAMES) {
        if (from === to) continue;
        for (const port of TRACED_PORTS) pairs.push({ from, fromIp: ips[from], to, toIp: ips[to], port });
      }
    }
    let readyCount = 0;
    // Tracing starts while the engines boot: no connection between the nodes can happen before
    // their engines answer, and the learner gets no terminal before that.
    await Promise.all([
      addTrace(id, pairs),
      ...nodes.map(async (n) => {
        await this.waitForEngine(n);
        readyCount++;
        progress('engines', 50 + readyCount * 25);
      }),
    ]);
    return { id, owner, createdAt, expiresAt, network: networkName(id), subnet: addrs.subnet, nodes: nodeMap };
  }

  private async createNetwork(id: string, labels: Record<string, string>): Promise<{ addrs: SandboxAddresses; index: number }> {
    let lastErr: unknown;
    for (let attempt = 0; attempt < SUBNET_ATTEMPTS; attempt++) {
      const nets = await this.docker.listNetworks();
      const used = nets.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? ''));
      const index = freeIndex(used, Math.floor(Math.random() * 256));
      if (index === undefined) throw new Error('all 256 sandbox subnets are in use; remove idle sandboxes (npm run shiplab -- sandbox ls / down)');
      const addrs = addressesFor(index);
      try {
        await this.docker.createNetwork({
          Name: networkName(id),
          Driver: 'bridge',
          // No route out: the sandbox reaches only itself and the mirror.
          Internal: true,
          CheckDuplicate: true,
          IPAM: { Driver: 'default', Config: [{ Subnet: addrs.subnet, Gateway: addrs.gateway }] },
          Options: { 'com.docker.network.bridge.name': bridgeName(id) },
          Labels: { ...labels, [LABEL.subnetIndex]: String(index) },
        });
        return { addrs, index };
      } catch (err) {
        lastErr = err;
        // Another process took this subnet between our list and create: pick again.
        if (!/overlap|in use|already exists/i.test((err as Error).message)) throw err;
      }
    }
    throw new Error(`could not find a free sandbox subnet after ${SUBNET_ATTEMPTS} tries: ${(lastErr as Error)?.message}`);
  }

  private async createNode(
    id: string,
    name: NodeName,
    ips: Record<NodeName, string>,
    addrs: SandboxAddresses,
    dir: string,
    resolv: string,
    labels: Record<string, string>,
  ): Promise<NodeInfo> {
    const cname = containerName(id, name);
    const insecure = [addrs.subnet, 'node1:5000', 'remote-docker-engine:5000', `${addrs.node1}:5000`, `${addrs.remote}:5000`];
    const container = await this.docker.createContainer({
      name: cname,
      Image: NODE_IMAGE,
      Hostname: name,
      Labels: labels,
      Env: [
        `SHIPLAB_ROLE=${ROLE_ENV[name]}`,
        `SHIPLAB_MIRROR=http://${addrs.mirror}:${MIRROR_PORT}`,
        `SHIPLAB_INSECURE=${insecure.join(',')}`,
      ],
      StopSignal: 'SIGTERM',
      StopTimeout: 3,
      HostConfig: {
        Init: true,
        // Docker's default capabilities + these two, never --privileged (see SECURITY.md).
        CapAdd: ['SYS_ADMIN', 'NET_ADMIN'],
        SecurityOpt: [`seccomp=${this.seccomp}`, 'no-new-privileges'],
        CgroupnsMode: 'private',
        CgroupParent: cgroupParent(id),
        Binds: [`${storePaths(dir, name).mount}:/var/lib/docker`, `${resolv}:/etc/resolv.conf:ro`],
        NetworkMode: networkName(id),
        ExtraHosts: [`node1:${ips.node1}`, `remote-docker-engine:${ips['remote-docker-engine']}`, `shiplab-mirror:${addrs.mirror}`],
        LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
        RestartPolicy: { Name: 'no' },
      },
      NetworkingConfig: {
        EndpointsConfig: {
          [networkName(id)]: { IPAMConfig: { IPv4Address: ips[name] }, Aliases: [name] },
        },
      },
    } as Docker.ContainerCreateOptions);
    await container.start();
    const info = await container.inspect();
    return { name, container: cname, containerId: info.Id, ip: ips[name], pid: info.State.Pid };
  }

  /** The node's dockerd answers on its socket, seen from the host through /proc/<pid>/root. */
  private async waitForEngine(n: NodeInfo): Promise<void> {
    const socketPath = `/proc/${n.pid}/root/run/docker.sock`;
    const docker = new Docker({ socketPath });
    const deadline = Date.now() + ENGINE_READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (fs.existsSync(socketPath)) {
        try {
          await docker.ping();
          return;
        } catch {
          /* not listening yet */
        }
      }
      const state = await this.docker.getContainer(n.container).inspect().catch(() => undefined);
      if (!state?.State.Running) {
        const logs = await this.docker.getContainer(n.container).logs({ stdout: true, stderr: true, tail: 20 }).catch(() => '');
        throw new Error(`node ${n.name} stopped while its engine was starting:\n${String(logs)}`);
      }
      await new Promise((r) => setTimeout(r, READY_POLL_MS));
    }
    throw new Error(`the engine in ${n.name} did not answer within ${ENGINE_READY_TIMEOUT_MS / 1000} s`);
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

  async engineCreates(id: string, from: NodeName, to: NodeName): Promise<number> {
    return countCreates(id, from, to);
  }

  async destroy(id: string, reason: DestroyReason): Promise<void> {
    const running = this.destroying.get(id);
    if (running) return running;
    const p = (async () => {
      const had = this.sandboxes.delete(id);
      this.lastActive.delete(id);
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
  private async teardown(id: string): Promise<void> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL.sandbox}=${id}`] } });
    await Promise.all(
      containers.map((c) =>
        this.docker.getContainer(c.Id).remove({ force: true, v: true }).catch((err: { statusCode?: number }) => {
          // 404: already gone; 409: removal already in progress (another caller) — both fine.
          if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
        }),
      ),
    );
    const nets = await this.docker.listNetworks({ filters: { label: [`${LABEL.sandbox}=${id}`] } });
    for (const n of nets) {
      const net = this.docker.getNetwork(n.Id);
      await net.disconnect({ Container: MIRROR_CONTAINER, Force: true }).catch(() => {
        /* the mirror was not connected (create failed early) */
      });
      await unlessNotFound(net.remove());
    }
    await removeTrace(id);
    const dir = path.join(this.root, id);
    for (const n of NODE_NAMES) await removeStore(storePaths(dir, n));
    fs.rmSync(dir, { recursive: true, force: true });
    const left = removeParentCgroup(id);
    if (left.length) this.log.warn('cgroups still busy after removal', { id, left: left.join(',') });
  }

  /** Re-adopts live sandboxes labelled by Shiplab and removes broken, expired or orphaned ones. */
  async adoptOrReap(): Promise<void> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [LABEL.sandbox] } });
    const byId = new Map<string, Docker.ContainerInfo[]>();
    for (const c of containers) {
      const id = c.Labels[LABEL.sandbox]!;
      byId.set(id, [...(byId.get(id) ?? []), c]);
    }
    const ids = new Set<string>([...byId.keys()]);
    for (const n of await this.docker.listNetworks({ filters: { label: [LABEL.sandbox] } })) ids.add(n.Labels?.[LABEL.sandbox] ?? '');
    for (const d of fs.existsSync(this.root) ? fs.readdirSync(this.root) : []) ids.add(d);
    ids.delete('');
    for (const id of ids) {
      if (this.sandboxes.has(id) || this.isBeingCreated(id)) continue;
      const cs = byId.get(id) ?? [];
      const now = Date.now();
      const expires = Number(cs[0]?.Labels[LABEL.expires] ?? 0);
      const live = cs.length === NODE_NAMES.length && cs.every((c) => c.State === 'running') && expires > now;
      if (live) {
        try {
          const info = await this.rebuildInfo(id, cs);
          this.sandboxes.set(id, info);
          this.lastActive.set(id, now);
          this.log.info('re-adopted sandbox', { id, owner: info.owner });
          continue;
        } catch (err) {
          this.log.warn('cannot re-adopt sandbox; removing it', { id, error: (err as Error).message });
        }
      }
      await this.teardown(id).catch((err) => this.log.error('cannot remove leftover sandbox', { id, error: (err as Error).message }));
      this.log.info('removed leftover sandbox', { id, reason: expires && expires <= now ? 'expired' : 'broken' });
    }
  }

  private isBeingCreated(id: string): boolean {
    try {
      return Date.now() - fs.statSync(path.join(this.markers, id)).mtimeMs < CREATE_MARKER_MAX_AGE_MS;
    } catch {
      return false;
    }
  }

  private async rebuildInfo(id: string, cs: Docker.ContainerInfo[]): Promise<SandboxInfo> {
    const nodes = {} as Record<NodeName, NodeInfo>;
    let subnet = '';
    for (const c of cs) {
      const name = c.Labels[LABEL.node] as NodeName;
      const inspect = await this.docker.getContainer(c.Id).inspect();
      const ip = inspect.NetworkSettings.Networks[networkName(id)]?.IPAddress ?? '';
      subnet = addressesFor(Number(c.Labels[LABEL.subnetIndex])).subnet;
      nodes[name] = { name, container: containerName(id, name), containerId: c.Id, ip, pid: inspect.State.Pid };
    }
    const l = cs[0]!.Labels;
    return {
      id,
      owner: l[LABEL.owner] ?? '',
      createdAt: Number(l[LABEL.created]),
      expiresAt: Number(l[LABEL.expires]),
      network: networkName(id),
      subnet,
      nodes,
    };
  }

  /** Enforces TTL and idle expiry now (it also runs every SWEEP_MS). */
  async sweepNow(): Promise<void> {
    const now = Date.now();
    for (const sb of this.list()) {
      const idle = now - (this.lastActive.get(sb.id) ?? now) > this.times.idleMs;
      if (sb.expiresAt <= now || idle) {
        await this.destroy(sb.id, idle ? 'idle' : 'expired').catch((err) =>
          this.log.error('cannot remove expired sandbox', { id: sb.id, error: (err as Error).message }),
        );
      }
    }
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
