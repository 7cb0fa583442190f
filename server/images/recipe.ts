/**
 * What an image is made of. A recipe names its tags, its image config and its build inputs;
 * the hash of all of that (plus the asset files under images/<name>/) goes into the image's
 * `shiplab.recipe` label, and an image is rebuilt exactly when that hash changes.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../core/log.ts';

/** The label holding a recipe's hash on the image it built. */
export const RECIPE_LABEL = 'shiplab.recipe';
/** Marks every image Shiplab built, so benches and cleanups can find them. */
export const BUILT_BY_LABEL = 'shiplab.image';

/** The parts of an image config `docker import --change` and a Dockerfile can set. */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: Record<string, string>;
  workdir?: string;
  user?: string;
  /** Port specs as in EXPOSE, e.g. '80' or '80/tcp'. */
  expose?: string[];
  volumes?: string[];
  /** Set only when it differs from SIGTERM; `docker import` cannot set it, so it costs a build step. */
  stopSignal?: string;
  labels?: Record<string, string>;
}

export interface BuildContext {
  /** An empty directory to fill with the image's root filesystem. */
  root: string;
  /** <dataDir>/cache: .deb cache and other build caches live here. */
  cacheDir: string;
  log: Logger;
  /** Reports a phase of this build; percent is this image's own 0-100. */
  phase(phase: string, percent: number): void;
}

export interface Recipe {
  /** Short name: log lines, the rootfs directory, the asset folder images/<name>/. */
  name: string;
  /** Every tag the image gets; the first is the one the image is built and checked under. */
  tags: string[];
  /** Served by the mirror as library/<repository> (learner images); false for host-only images. */
  mirrored: boolean;
  /**
   * Bump when the build code changes in a way the other inputs do not show, so existing images
   * are rebuilt once.
   */
  revision: number;
  config: ImageConfig;
  /** Anything else the result depends on (package lists, host binaries' versions); read at check time. */
  inputs(): Record<string, unknown>;
  /** Folder whose files are part of the recipe; defaults to none. */
  assetsDir?: string;
  build(ctx: BuildContext): Promise<void>;
}

/** Every file under dir (recursively), sorted, as [relative path, mode, sha256]. */
export function hashTree(dir: string): [string, string, string][] {
  if (!fs.existsSync(dir)) return [];
  const out: [string, string, string][] = [];
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    for (const ent of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const r = path.join(rel, ent.name);
      const p = path.join(dir, r);
      if (ent.isDirectory()) walk(r);
      else if (ent.isSymbolicLink()) out.push([r, 'link', fs.readlinkSync(p)]);
      else {
        // Only the executable bit matters to git and to the image: 755 or 644.
        const mode = fs.statSync(p).mode & 0o111 ? '755' : '644';
        out.push([r, mode, crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex')]);
      }
    }
  };
  walk('');
  return out;
}

/** The recipe's hash: changes whenever anything that shapes the image changes. */
export function recipeHash(r: Recipe): string {
  const doc = {
    name: r.name,
    tags: r.tags,
    revision: r.revision,
    config: r.config,
    inputs: r.inputs(),
    assets: r.assetsDir ? hashTree(r.assetsDir) : [],
  };
  return crypto.createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 16);
}

/** `repo:tag` → { repo, tag }, with Docker's default tag. */
export function splitTag(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

/**
 * The config as `docker import --change` lines. STOPSIGNAL is not among the changes the
 * 20.10 engine accepts on import (it answers "stopsignal is not a valid change command"),
 * so it is left to {@link dockerfileFor}.
 */
export function importChanges(c: ImageConfig, labels: Record<string, string>): string[] {
  const out: string[] = [];
  if (c.entrypoint) out.push(`ENTRYPOINT ${JSON.stringify(c.entrypoint)}`);
  if (c.cmd) out.push(`CMD ${JSON.stringify(c.cmd)}`);
  for (const [k, v] of Object.entries(c.env ?? {})) out.push(`ENV ${k}=${JSON.stringify(v)}`);
  if (c.workdir) out.push(`WORKDIR ${c.workdir}`);
  if (c.user) out.push(`USER ${c.user}`);
  for (const p of c.expose ?? []) out.push(`EXPOSE ${p}`);
  if (c.volumes?.length) out.push(`VOLUME ${JSON.stringify(c.volumes)}`);
  for (const [k, v] of Object.entries({ ...c.labels, ...labels })) out.push(`LABEL ${k}=${JSON.stringify(v)}`);
  return out;
}

/** The Dockerfile that adds what import cannot set, or undefined when nothing is left. */
export function dockerfileFor(base: string, c: ImageConfig): string | undefined {
  if (!c.stopSignal || c.stopSignal === 'SIGTERM') return undefined;
  return `FROM ${base}\nSTOPSIGNAL ${c.stopSignal}\n`;
}
