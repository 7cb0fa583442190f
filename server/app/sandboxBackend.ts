/**
 * The sandbox backend: the one object through which the lab reaches whatever runs its
 * sandboxes. What the rest of Shiplab needs of it, and nothing of how:
 *   - create, get, list, exec, destroy, and the evidence checks read (Sandboxes);
 *   - attach: a login shell in a node, the process a terminal drives (NodeShell);
 *   - capacity: what it can give all sandboxes together, which sizes the admission line.
 * The local engine (the host's dockerd, or Shiplab's embedded one) is the first implementation;
 * docs/scaling.md says what a Kubernetes backend would implement in its place.
 */
import { hostResources } from './labAdmission.ts';
import type { HostResources } from '../sandbox/capacity.ts';
import type { Sandboxes } from '../sandbox/types.ts';
import { dockerNodeShell, type NodeShell } from '../terminal/nodeShell.ts';

export interface SandboxBackend {
  /** Which implementation this is, for logs and /readyz ('local-engine'). */
  readonly kind: string;
  readonly sandboxes: Sandboxes;
  readonly shell: NodeShell;
  /** Memory, disk and CPUs for all sandboxes together, read when the lab starts. */
  capacity(): HostResources;
}

export interface LocalEngineOptions {
  /** Where the node stores live: the free disk there is the disk capacity. */
  dataDir: string;
  /** How shells reach nodes; default an exec through the engine's API (dockerNodeShell). */
  shell?: NodeShell;
}

/** Sandboxes as containers of one Docker engine on this host, capacity from this host. */
export function localEngineBackend(sandboxes: Sandboxes, opts: LocalEngineOptions): SandboxBackend {
  return {
    kind: 'local-engine',
    sandboxes,
    shell: opts.shell ?? dockerNodeShell(sandboxes),
    capacity: () => hostResources(opts.dataDir),
  };
}
