/** Helpers for integration tests that drive real sandboxes. */
import fs from 'node:fs';
import Docker from 'dockerode';
import { openSandboxes } from '../../server/app/openSandboxes.ts';
import type { NodeName } from '../../server/common/api.ts';
import { dataDir } from '../../server/core/config.ts';
import { tracedSandboxes } from '../../server/host/connTrace.ts';
import { listParentCgroups } from '../../server/sandbox/cgroups.ts';
import { LABEL } from '../../server/sandbox/labels.ts';
import type { SandboxManager } from '../../server/sandbox/manager.ts';
import { loopDevicesUnder } from '../../server/sandbox/store.ts';
import type { SandboxInfo } from '../../server/sandbox/types.ts';

export async function manager(): Promise<SandboxManager> {
  return openSandboxes({ adopt: false });
}

/** Runs a shell command in a node and returns its result; `sh -c` so pipes work. */
export async function sh(m: SandboxManager, sb: SandboxInfo, node: NodeName, script: string, timeoutMs = 60_000) {
  return m.exec(sb.id, node, ['bash', '-c', script], { timeoutMs });
}

export interface Leftovers {
  containers: string[];
  networks: string[];
  volumes: string[];
  cgroups: string[];
  loops: string[];
  traces: string[];
  dirs: string[];
}

/** Everything labelled or named for the given sandboxes that still exists on the host. */
export async function leftovers(docker: Docker, ids: string[]): Promise<Leftovers> {
  const want = new Set(ids);
  const containers = (await docker.listContainers({ all: true, filters: { label: [LABEL.sandbox] } }))
    .filter((c) => want.has(c.Labels[LABEL.sandbox]!))
    .map((c) => c.Names[0]!);
  const networks = (await docker.listNetworks({ filters: { label: [LABEL.sandbox] } }))
    .filter((n) => want.has(n.Labels?.[LABEL.sandbox] ?? ''))
    .map((n) => n.Name);
  const volumes = ((await docker.listVolumes({ filters: { label: [LABEL.sandbox] } })).Volumes ?? [])
    .filter((v) => want.has(v.Labels?.[LABEL.sandbox] ?? ''))
    .map((v) => v.Name);
  const cgroups = listParentCgroups().filter((id) => want.has(id));
  const loops = (await Promise.all(ids.map((id) => loopDevicesUnder(`${dataDir()}/sandboxes/${id}`)))).flat();
  const traces = (await tracedSandboxes()).filter((id) => want.has(id));
  const dirs = ids.filter((id) => fs.existsSync(`${dataDir()}/sandboxes/${id}`));
  return { containers, networks, volumes, cgroups, loops, traces, dirs };
}

export const NONE: Leftovers = { containers: [], networks: [], volumes: [], cgroups: [], loops: [], traces: [], dirs: [] };
