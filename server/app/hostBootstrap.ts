/**
 * Readies the host for sandboxes: finds or starts the host engine and checks its cgroup driver,
 * builds the image catalog, starts the read-only mirror, and installs the iptables rule that keeps
 * sandbox bridges away from the host itself. The sandbox capability (server/sandbox/) assumes all
 * of this is in place; the composition root runs it first.
 */
import type { Logger } from '../core/log.ts';
import { ensureEngine, type Engine } from '../engine/engine.ts';
import { ensureHostIsolation } from '../host/firewall.ts';
import { ensureImages, ensureMirror, type ImageProgress } from '../images/catalog.ts';
import { BRIDGE_WILDCARD } from '../sandbox/labels.ts';

export interface PrepareHostOptions {
  onImageProgress?: (p: ImageProgress) => void;
  log?: Logger;
}

/** Prepares the host and returns its engine. */
export async function prepareHost(opts: PrepareHostOptions = {}): Promise<Engine> {
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
  await ensureHostIsolation(BRIDGE_WILDCARD);
  opts.log?.debug('host ready', { engine: engine.host, embedded: engine.embedded });
  return engine;
}
