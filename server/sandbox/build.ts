/**
 * Builds one sandbox on the host engine, in about 2 s: its internal bridge network (a free subnet,
 * retried when another process takes it first), the host-owned parent cgroup with its limits, two
 * loop-mounted stores, the mirror attached at .2, the two nodes (hardening.ts), the host-side
 * connection-trace rules, and a wait until both inner engines answer. What a failed build leaves
 * behind is removed by teardown.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { NODE_NAMES, type NodeName } from '../common/api.ts';
import type { SandboxLimits } from '../core/config.ts';
import type { UserNamespace } from '../engine/userns.ts';
import { addTrace, TRACED_PORTS, type TracePair } from '../host/connTrace.ts';
import { MIRROR_CONTAINER } from '../images/catalog.ts';
import { addressesFor, freeIndex, type SandboxAddresses } from './addresses.ts';
import { createParentCgroup, delegateNodeCgroup } from './cgroups.ts';
import { NODE_RESOLV_CONF, nodeCreateOptions, type NodeSpec } from './hardening.ts';
import { bridgeName, containerName, LABEL, networkName, sandboxDir } from './labels.ts';
import { nodeEngine, nodeEngineSocket } from './nodeEngine.ts';
import { nodeSeccompProfile } from './seccomp.ts';
import { createStore, storePaths } from './store.ts';
import type { NodeInfo, SandboxInfo } from './types.ts';

/** Both inner dockerds answer ~1.7 s after start here; a loaded CI machine gets 60 s. */
const ENGINE_READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 50;
/** Subnet races between processes creating at once are retried this often. */
const SUBNET_ATTEMPTS = 8;

export type Progress = (phase: string, percent: number) => void;

export class SandboxBuilder {
  /** Read on the first build, then reused. */
  private seccomp: string | undefined;

  constructor(
    private readonly docker: Docker,
    /** <data dir>/sandboxes: one directory per sandbox. */
    private readonly sandboxesDir: string,
    private readonly limits: SandboxLimits,
    private readonly ttlMs: number,
    /** The engine's user namespace remap: the stores and each node's own cgroups are handed to
     * its root uid. Undefined on an engine of the host's own that does not remap. */
    private readonly userns: UserNamespace | undefined,
  ) {}

  async build(id: string, owner: string, progress: Progress): Promise<SandboxInfo> {
    const createdAt = Date.now();
    const expiresAt = createdAt + this.ttlMs;
    const labels = { [LABEL.sandbox]: id, [LABEL.owner]: owner, [LABEL.created]: String(createdAt), [LABEL.expires]: String(expiresAt) };

    progress('network', 5);
    const { addrs, index } = await this.createNetwork(id, labels);
    const dir = sandboxDir(this.sandboxesDir, id);
    fs.mkdirSync(dir, { recursive: true });
    const resolv = path.join(dir, 'resolv.conf');
    fs.writeFileSync(resolv, NODE_RESOLV_CONF);

    progress('storage', 10);
    createParentCgroup(id, this.limits);
    await Promise.all([
      ...NODE_NAMES.map((n) => createStore(storePaths(dir, n), this.limits.storeBytes, this.userns)),
      this.docker.getNetwork(networkName(id)).connect({
        Container: MIRROR_CONTAINER,
        EndpointConfig: { IPAMConfig: { IPv4Address: addrs.mirror } },
      }),
    ]);

    progress('nodes', 35);
    const seccompProfile = (this.seccomp ??= nodeSeccompProfile());
    const ips: Record<NodeName, string> = { node1: addrs.node1, 'remote-docker-engine': addrs.remote };
    const nodes = await Promise.all(
      NODE_NAMES.map((name) =>
        this.startNode({
          sandboxId: id,
          name,
          ips,
          addrs,
          storeMount: storePaths(dir, name).mount,
          resolvConf: resolv,
          labels: { ...labels, [LABEL.node]: name, [LABEL.subnetIndex]: String(index) },
          seccompProfile,
        }),
      ),
    );
    const nodeMap = Object.fromEntries(nodes.map((n) => [n.name, n])) as Record<NodeName, NodeInfo>;

    progress('engines', 50);
    let readyCount = 0;
    // Tracing starts while the engines boot: no connection between the nodes can happen before
    // their engines answer, and the learner gets no terminal before that.
    await Promise.all([
      addTrace(id, tracePairs(ips)),
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

  private async startNode(spec: NodeSpec): Promise<NodeInfo> {
    const { name, sandboxId } = spec;
    const container = await this.docker.createContainer(nodeCreateOptions(spec));
    // The id names the node's cgroup directories; they must be the node's before it starts.
    if (this.userns) delegateNodeCgroup(sandboxId, container.id, this.userns);
    await container.start();
    const info = await container.inspect();
    return { name, container: containerName(sandboxId, name), containerId: info.Id, ip: spec.ips[name], pid: info.State.Pid };
  }

  /** The node's dockerd answers on its socket, seen from the host through /proc/<pid>/root. */
  private async waitForEngine(n: NodeInfo): Promise<void> {
    const socketPath = nodeEngineSocket(n.pid);
    const docker = nodeEngine(n.pid);
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
}

/** Every traced (from, to, port) between the two nodes, both ways. */
function tracePairs(ips: Record<NodeName, string>): TracePair[] {
  const pairs: TracePair[] = [];
  for (const from of NODE_NAMES) {
    for (const to of NODE_NAMES) {
      if (from === to) continue;
      for (const port of TRACED_PORTS) pairs.push({ from, fromIp: ips[from], to, toIp: ips[to], port });
    }
  }
  return pairs;
}
