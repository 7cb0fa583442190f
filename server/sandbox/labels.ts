/** Labels on everything a sandbox owns, and the names made from its id, so a restarted server can find, re-adopt or remove it. */
import path from 'node:path';

export const LABEL = {
  sandbox: 'shiplab.sandbox',
  owner: 'shiplab.owner',
  created: 'shiplab.created',
  expires: 'shiplab.expires',
  node: 'shiplab.node',
  subnetIndex: 'shiplab.subnet-index',
} as const;

export function containerName(sandboxId: string, node: string): string {
  return `shiplab-${sandboxId}-${node}`;
}

/** The sandbox's host directory (its stores and resolv.conf) under `sandboxesDir`. */
export function sandboxDir(sandboxesDir: string, sandboxId: string): string {
  return path.join(sandboxesDir, sandboxId);
}

export function networkName(sandboxId: string): string {
  return `shiplab-${sandboxId}`;
}

/** Linux interface names are at most 15 bytes: "shl-" + a 10-character id. */
export function bridgeName(sandboxId: string): string {
  return `shl-${sandboxId}`;
}

/** Bridge interfaces of all sandboxes match this iptables wildcard. */
export const BRIDGE_WILDCARD = 'shl-+';
