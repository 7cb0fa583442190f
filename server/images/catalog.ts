/**
 * Every image Shiplab needs, built locally from Debian packages (no registry is reachable) and
 * rebuilt only when its recipe changes: the sandbox node image on the host engine, and the
 * learner images (registry:2, nginx, busybox, debian) that the mirror serves to sandboxes.
 */
import path from 'node:path';
import type Dockerode from 'dockerode';
import { dataDir } from '../core/config.ts';
import { logger } from '../core/log.ts';
import { unlessNotFound } from '../engine/notFound.ts';
import { withBuildLock } from './buildLock.ts';
import { BUILT_PHASE, BuildReporter, type ImageBuild, type ImageProgress } from './buildReporter.ts';
import { importTree } from './importTree.ts';
import { ensureMirror as ensureMirrorOf, MIRROR_CONTAINER, MIRROR_NETWORK, MIRROR_PORT } from './mirror.ts';
import { BUILT_BY_LABEL, RECIPE_LABEL, recipeHash, splitTag, type Recipe } from './recipe.ts';
import { busybox } from './recipes/busybox.ts';
import { debian } from './recipes/debian.ts';
import { nginx } from './recipes/nginx.ts';
import { nodeRecipe } from './recipes/node.ts';
import { registry } from './recipes/registry.ts';
import { removeTree } from './rootfs.ts';

export { MIRROR_CONTAINER, MIRROR_NETWORK, MIRROR_PORT };
export { BUILT_PHASE };
export type { ImageBuild, ImageProgress };

const log = logger('images');

/** The sandbox node image (host engine only). The tag names the Debian release it is built from. */
export const NODE_IMAGE = 'shiplab/node:bookworm';

/** Learner images, served by the mirror as library/<repository>; small ones first, so a failure shows early. */
export const LEARNER_RECIPES: readonly Recipe[] = [busybox, registry, nginx, debian];
export const RECIPES: readonly Recipe[] = [...LEARNER_RECIPES, nodeRecipe(NODE_IMAGE)];

function cacheDir(): string {
  return path.join(dataDir(), 'cache');
}

function lockDir(): string {
  return path.join(cacheDir(), 'images.lock');
}

async function labelsOf(docker: Dockerode, ref: string): Promise<{ id: string; labels: Record<string, string> } | undefined> {
  const info = await unlessNotFound(docker.getImage(ref).inspect());
  return info && { id: info.Id, labels: info.Config?.Labels ?? {} };
}

type State = { kind: 'current' } | { kind: 'retag'; id: string; missing: string[] } | { kind: 'stale' };

/** Whether the image under a recipe's tags is the one its recipe describes. */
async function stateOf(docker: Dockerode, r: Recipe): Promise<State> {
  const hash = recipeHash(r);
  const found = await Promise.all(r.tags.map((t) => labelsOf(docker, t)));
  const good = found.find((f) => f?.labels[RECIPE_LABEL] === hash);
  if (!good) return { kind: 'stale' };
  const missing = r.tags.filter((_, i) => found[i]?.id !== good.id);
  return missing.length ? { kind: 'retag', id: good.id, missing } : { kind: 'current' };
}

/** Names of the images whose recipe changed (or that do not exist yet). */
export async function staleImages(docker: Dockerode): Promise<string[]> {
  const states = await Promise.all(RECIPES.map((r) => stateOf(docker, r)));
  return RECIPES.filter((_, i) => states[i]!.kind === 'stale').map((r) => r.name);
}

async function build(docker: Dockerode, r: Recipe, onProgress?: (p: ImageProgress) => void): Promise<void> {
  const reporter = new BuildReporter(r.name, log, onProgress);
  const root = path.join(cacheDir(), `rootfs-${r.name}`);
  try {
    reporter.phase('preparing', 0);
    await removeTree(root);
    const hash = recipeHash(r);
    const before = await Promise.all(r.tags.map((t) => labelsOf(docker, t)));
    await r.build({ root, cacheDir: cacheDir(), log: log.child(r.name), phase: (p, pct) => reporter.phase(p, pct) });
    reporter.phase('importing into the engine', 90);
    const id = await importTree(docker, root, r.tags, r.config, { [RECIPE_LABEL]: hash, [BUILT_BY_LABEL]: r.name });
    reporter.phase('removing the build tree', 97);
    await removeTree(root);
    // The image this one replaces goes now unless a container still uses it (see removeLeftovers).
    if (before.some((b) => b && b.id !== id)) await removeLeftovers(docker);
    reporter.phase(BUILT_PHASE, 100);
    log.info(`${r.name}: ready`, { image: r.tags[0], id: id.slice(7, 19), elapsed: reporter.elapsed() });
  } catch (err) {
    log.error(`${r.name}: build failed`, { elapsed: reporter.elapsed(), error: err });
    throw err;
  } finally {
    reporter.dispose();
    await removeTree(root);
  }
}

/**
 * Removes untagged Shiplab-built images: what a rebuild left behind while a container (an old
 * sandbox node, the mirror) still used it. Those still in use stay for a later call.
 */
async function removeLeftovers(docker: Dockerode): Promise<void> {
  const dangling = await docker.listImages({ filters: { dangling: ['true'], label: [BUILT_BY_LABEL] } });
  for (const img of dangling) {
    try {
      await docker.getImage(img.Id).remove();
      log.info('removed an outdated image', { id: img.Id.slice(7, 19), image: img.Labels?.[BUILT_BY_LABEL] });
    } catch (err) {
      // 409: still used by a container; 404: another process removed it first.
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 409 && code !== 404) throw err;
    }
  }
}

/**
 * Builds every image whose recipe changed (or that is missing), one at a time, under a lock
 * shared with other processes. Cheap when nothing changed: a few image inspections.
 * onProgress is called only for images being built, so a run that builds nothing calls it never.
 */
export function ensureImages(docker: Dockerode, onProgress?: (p: ImageProgress) => void): Promise<void> {
  return ensureBuilt(docker, RECIPES, onProgress);
}

/** ensureImages for the given recipes only (the server image, which the lab itself never needs). */
export async function ensureBuilt(docker: Dockerode, recipes: readonly Recipe[], onProgress?: (p: ImageProgress) => void): Promise<void> {
  const check = async () => Promise.all(recipes.map(async (r) => [r, await stateOf(docker, r)] as const));
  let states = await check();
  await removeLeftovers(docker);
  if (states.every(([, s]) => s.kind === 'current')) return;
  await withBuildLock(lockDir(), log, async () => {
    // Another process may have built them while this one waited for the lock.
    states = await check();
    const todo = states.filter(([, s]) => s.kind === 'stale').map(([r]) => r.name);
    if (todo.length) log.info('building images', { images: todo.join(',') });
    for (const [r, s] of states) {
      if (s.kind === 'retag') for (const t of s.missing) await docker.getImage(s.id).tag(splitTag(t));
      if (s.kind === 'stale') await build(docker, r, onProgress);
    }
  });
}

/**
 * Makes the read-only mirror (container MIRROR_CONTAINER, port MIRROR_PORT) serve the current
 * learner images; call after ensureImages. Quick when nothing changed.
 */
export function ensureMirror(docker: Dockerode): Promise<{ container: string; id: string }> {
  return ensureMirrorOf(docker, [...LEARNER_RECIPES]);
}
