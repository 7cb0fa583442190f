/**
 * Writes a registry's storage tree on disk, in the layout of distribution's filesystem driver
 * (registry 2.x), from `docker save` output. No registry process ever accepts a write: the
 * mirror only ever serves this tree read-only.
 *
 *   docker/registry/v2/blobs/sha256/<2 hex>/<hex>/data          content-addressed blobs
 *   docker/registry/v2/repositories/<repo>/_layers/sha256/<hex>/link           "sha256:<hex>"
 *   docker/registry/v2/repositories/<repo>/_manifests/revisions/sha256/<hex>/link
 *   docker/registry/v2/repositories/<repo>/_manifests/tags/<tag>/current/link
 *   docker/registry/v2/repositories/<repo>/_manifests/tags/<tag>/index/sha256/<hex>/link
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

export const MEDIA = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export interface Descriptor {
  mediaType: string;
  size: number;
  digest: string;
}

export interface ManifestV2 {
  schemaVersion: 2;
  mediaType: typeof MEDIA.manifest;
  config: Descriptor;
  layers: Descriptor[];
}

/** One entry of `docker save`'s manifest.json. */
interface SaveEntry {
  Config: string;
  Layers: string[];
}

const V2 = path.join('docker', 'registry', 'v2');

function hexOf(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new Error(`not a sha256 digest: ${digest}`);
  return m[1]!;
}

export function blobPath(store: string, digest: string): string {
  const hex = hexOf(digest);
  return path.join(store, V2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

function writeLink(file: string, digest: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // The registry reads the link's whole content as the digest: no trailing newline.
  fs.writeFileSync(file, digest);
}

/** Stores bytes as a blob; returns its descriptor. */
function putBytes(store: string, bytes: Buffer, mediaType: string): Descriptor {
  const digest = 'sha256:' + crypto.createHash('sha256').update(bytes).digest('hex');
  const file = blobPath(store, digest);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  }
  return { mediaType, size: bytes.length, digest };
}

/**
 * Gzips a layer tar into a blob, hashing the compressed bytes on the way. Node's gzip header
 * carries no timestamp or name, so the same layer always gives the same digest.
 */
async function putGzipped(store: string, tarFile: string): Promise<Descriptor> {
  const tmp = path.join(store, V2, `upload-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  fs.mkdirSync(path.dirname(tmp), { recursive: true });
  const hash = crypto.createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(fs.createReadStream(tarFile), zlib.createGzip({ level: 6 }), tap, fs.createWriteStream(tmp));
  const digest = 'sha256:' + hash.digest('hex');
  const file = blobPath(store, digest);
  if (fs.existsSync(file)) fs.rmSync(tmp);
  else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.renameSync(tmp, file);
  }
  return { mediaType: MEDIA.layer, size, digest };
}

/**
 * Makes the whole store readable by every uid (directories searchable), whatever umask wrote it:
 * the mirror's registry runs as nobody, which under a user namespace remap is a host uid of the
 * remapped range (e.g. 165534), not even the host's nobody. Returns how many modes it changed.
 */
export function makeReadableByAll(store: string): number {
  let changed = 0;
  const fix = (p: string, isDir: boolean) => {
    const mode = fs.statSync(p).mode & 0o7777;
    const want = mode | (isDir ? 0o555 : 0o444);
    if (want !== mode) {
      fs.chmodSync(p, want);
      changed++;
    }
  };
  const walk = (dir: string) => {
    fix(dir, true);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) fix(p, false);
    }
  };
  walk(store);
  return changed;
}

/**
 * Adds repo (e.g. "library/nginx") with tags to the store, from a directory holding one
 * image's `docker save` output. Returns the manifest and its digest.
 */
export async function addRepository(store: string, repo: string, tags: string[], saveDir: string): Promise<{ manifest: ManifestV2; digest: string }> {
  const entries = JSON.parse(fs.readFileSync(path.join(saveDir, 'manifest.json'), 'utf8')) as SaveEntry[];
  const entry = entries[0];
  if (!entry || entries.length !== 1) throw new Error(`${saveDir}/manifest.json should describe exactly one image (found ${entries.length})`);
  const repoDir = path.join(store, V2, 'repositories', ...repo.split('/'));
  const layerLink = (d: Descriptor) => writeLink(path.join(repoDir, '_layers', 'sha256', hexOf(d.digest), 'link'), d.digest);

  const config = putBytes(store, fs.readFileSync(path.join(saveDir, entry.Config)), MEDIA.config);
  layerLink(config);
  const layers: Descriptor[] = [];
  for (const l of entry.Layers) {
    const d = await putGzipped(store, path.join(saveDir, l));
    layerLink(d);
    layers.push(d);
  }
  const manifest: ManifestV2 = { schemaVersion: 2, mediaType: MEDIA.manifest, config, layers };
  const m = putBytes(store, Buffer.from(JSON.stringify(manifest, null, 3)), MEDIA.manifest);
  writeLink(path.join(repoDir, '_manifests', 'revisions', 'sha256', hexOf(m.digest), 'link'), m.digest);
  for (const tag of tags) {
    const tagDir = path.join(repoDir, '_manifests', 'tags', tag);
    writeLink(path.join(tagDir, 'current', 'link'), m.digest);
    writeLink(path.join(tagDir, 'index', 'sha256', hexOf(m.digest), 'link'), m.digest);
  }
  return { manifest, digest: m.digest };
}
