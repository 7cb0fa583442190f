/**
 * What a starting server does with the sandboxes it finds on the host: live ones (both nodes
 * running, not expired) are adopted again, with their SandboxInfo rebuilt from labels and
 * inspect; broken, expired or orphaned ones (a container, network or directory left over) are
 * removed. Create markers keep a sandbox another process is still building from being reaped.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { readOverrides } from './overrides.ts';
import { NODE_NAMES, type NodeName } from '../common/api.ts';
import type { Disposable } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import { addressesFor } from './addresses.ts';
import { containerName, LABEL, networkName } from './labels.ts';
import type { NodeInfo, SandboxInfo } from './types.ts';

/** A create marker older than this belongs to a crashed process; its sandbox may be reaped. */
const CREATE_MARKER_MAX_AGE_MS = 5 * 60_000;

/** One file per sandbox being created (holding the creator's pid), in a directory shared by
 * every Shiplab process on the host. */
export class CreateMarkers {
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Marks `id` as being created until the returned disposable is disposed. */
  hold(id: string): Disposable {
    const marker = path.join(this.dir, id);
    fs.writeFileSync(marker, String(process.pid));
    return { dispose: () => fs.rmSync(marker, { force: true }) };
  }

  isBeingCreated(id: string): boolean {
    try {
      return Date.now() - fs.statSync(path.join(this.dir, id)).mtimeMs < CREATE_MARKER_MAX_AGE_MS;
    } catch {
      return false;
    }
  }
}

export interface AdoptionOptions {
  docker: Docker;
  /** <data dir>/sandboxes: a directory here with no live sandbox is a leftover too. */
  sandboxesDir: string;
  markers: CreateMarkers;
  /** Sandboxes this server already holds: left alone. */
  holds(id: string): boolean;
  /** Takes a live sandbox back; `at` counts as its last activity. */
  adopt(info: SandboxInfo, at: number): void;
  remove(id: string): Promise<void>;
  log: Logger;
}

/** Re-adopts live sandboxes labelled by Shiplab and removes broken, expired or orphaned ones. */
export async function adoptOrReap(o: AdoptionOptions): Promise<void> {
  const { docker, log } = o;
  const containers = await docker.listContainers({ all: true, filters: { label: [LABEL.sandbox] } });
  const byId = new Map<string, Docker.ContainerInfo[]>();
  for (const c of containers) {
    const id = c.Labels[LABEL.sandbox]!;
    byId.set(id, [...(byId.get(id) ?? []), c]);
  }
  const ids = new Set<string>([...byId.keys()]);
  for (const n of await docker.listNetworks({ filters: { label: [LABEL.sandbox] } })) ids.add(n.Labels?.[LABEL.sandbox] ?? '');
  for (const d of fs.existsSync(o.sandboxesDir) ? fs.readdirSync(o.sandboxesDir) : []) ids.add(d);
  ids.delete('');
  for (const id of ids) {
    if (o.holds(id) || o.markers.isBeingCreated(id)) continue;
    const cs = byId.get(id) ?? [];
    const now = Date.now();
    // An owner or expiry changed after creation (a pool spare handed over, a workshop's time)
    // outlives the labels, which cannot change: the override file wins.
    const overrides = readOverrides(o.sandboxesDir, id);
    const expires = Number(overrides.expiresAt ?? cs[0]?.Labels[LABEL.expires] ?? 0);
    const live = cs.length === NODE_NAMES.length && cs.every((c) => c.State === 'running') && expires > now;
    if (live) {
      try {
        const info = await rebuildInfo(docker, id, cs);
        if (overrides.owner) info.owner = overrides.owner;
        info.expiresAt = expires;
        o.adopt(info, now);
        log.info('re-adopted sandbox', { id, owner: info.owner });
        continue;
      } catch (err) {
        log.warn('cannot re-adopt sandbox; removing it', { id, error: (err as Error).message });
      }
    }
    await o.remove(id).catch((err) => log.error('cannot remove leftover sandbox', { id, error: (err as Error).message }));
    log.info('removed leftover sandbox', { id, reason: expires && expires <= now ? 'expired' : 'broken' });
  }
}

/** A live sandbox's SandboxInfo, from its containers' labels and inspect. */
async function rebuildInfo(docker: Docker, id: string, cs: Docker.ContainerInfo[]): Promise<SandboxInfo> {
  const nodes = {} as Record<NodeName, NodeInfo>;
  let subnet = '';
  for (const c of cs) {
    const name = c.Labels[LABEL.node] as NodeName;
    const inspect = await docker.getContainer(c.Id).inspect();
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
