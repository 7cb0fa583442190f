/**
 * Readies the host for sandboxes: finds or starts the host engine, checks its cgroup driver and
 * says plainly when it does not remap user namespaces, builds the image catalog, starts the
 * read-only mirror, installs the iptables rules that keep sandbox bridges away from the host
 * itself, and starts the create log (server/host/createLog.ts). The sandbox capability (server/sandbox/) assumes all
 * of this is in place; the composition root runs it first.
 */
import { logger, type Logger } from '../core/log.ts';
import { dataDir } from '../core/config.ts';
import { ensureEngine, installHostPackages, type Engine } from '../engine/engine.ts';
import { createLogPaths, ensureCreateLog } from '../host/createLog.ts';
import { ensureHostIsolation } from '../host/firewall.ts';
import { ensureImages, ensureMirror, type ImageProgress } from '../images/catalog.ts';
import { BRIDGE_WILDCARD } from '../sandbox/labels.ts';

/**
 * What a node's root can reach when the engine gives it no user namespace of its own: the
 * escapes test/integration/containment.test.ts proves closed under the remap (SECURITY.md).
 */
export const NOT_CONTAINED_WITHOUT_REMAP =
  "a learner's root in a node is the host's root with CAP_SYS_ADMIN: through a freshly mounted procfs it can write " +
  'global sysctls (kernel.core_pattern runs a program as host root on the next crash), register host binfmt_misc ' +
  'handlers, mount tracefs and debugfs, and remount sysfs read-write';

export interface PrepareHostOptions {
  onImageProgress?: (p: ImageProgress) => void;
  log?: Logger;
}

/** Prepares the host and returns its engine. */
export async function prepareHost(opts: PrepareHostOptions = {}): Promise<Engine> {
  const engine = await ensureEngine();
  if (!engine.userns) {
    (opts.log ?? logger('host')).warn(
      `the engine at ${engine.host} does not remap user namespaces (dockerd --userns-remap), so ${NOT_CONTAINED_WITHOUT_REMAP}. ` +
        'Start that dockerd with --userns-remap=default, or unset DOCKER_HOST to let Shiplab run its own engine (see SECURITY.md)',
    );
  }
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
  // An engine Shiplab reuses may predate the create log: its package comes first.
  await installHostPackages(true, ['tcpdump']);
  const recorder = await ensureCreateLog(createLogPaths(dataDir()));
  if (recorder.started) (opts.log ?? logger('host')).info('create log started', { pid: recorder.pid });
  opts.log?.debug('host ready', { engine: engine.host, embedded: engine.embedded });
  return engine;
}
