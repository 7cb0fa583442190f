/**
 * Removes everything that belongs to one sandbox, whatever state it is in (live, half-built,
 * left by a crashed server): its containers, its network (the mirror disconnected first), its
 * trace rules, its stores and directory, and its parent cgroup.
 */
import fs from 'node:fs';
import type Docker from 'dockerode';
import { NODE_NAMES } from '../common/api.ts';
import type { Logger } from '../core/log.ts';
import { unlessNotFound } from '../engine/notFound.ts';
import { removeTrace } from '../host/connTrace.ts';
import { MIRROR_CONTAINER } from '../images/catalog.ts';
import { removeParentCgroup } from './cgroups.ts';
import { LABEL, sandboxDir } from './labels.ts';
import { removeStore, storePaths } from './store.ts';

export async function teardownSandbox(docker: Docker, sandboxesDir: string, id: string, log: Logger): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL.sandbox}=${id}`] } });
  await Promise.all(
    containers.map((c) =>
      docker.getContainer(c.Id).remove({ force: true, v: true }).catch((err: { statusCode?: number }) => {
        // 404: already gone; 409: removal already in progress (another caller) — both fine.
        if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
      }),
    ),
  );
  const nets = await docker.listNetworks({ filters: { label: [`${LABEL.sandbox}=${id}`] } });
  for (const n of nets) {
    const net = docker.getNetwork(n.Id);
    await net.disconnect({ Container: MIRROR_CONTAINER, Force: true }).catch(() => {
      /* the mirror was not connected (create failed early) */
    });
    await unlessNotFound(net.remove());
  }
  await removeTrace(id);
  const dir = sandboxDir(sandboxesDir, id);
  for (const n of NODE_NAMES) await removeStore(storePaths(dir, n));
  fs.rmSync(dir, { recursive: true, force: true });
  const left = removeParentCgroup(id);
  if (left.length) log.warn('cgroups still busy after removal', { id, left: left.join(',') });
}
