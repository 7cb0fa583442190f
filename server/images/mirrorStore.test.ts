import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { addRepository, blobPath, makeReadableByAll, MEDIA } from './mirrorStore.ts';

const sha = (b: Buffer | string) => 'sha256:' + crypto.createHash('sha256').update(b).digest('hex');
const V2 = 'docker/registry/v2';

/** A `docker save` directory as the 20.10 engine writes it: manifest.json, <id>.json, <v1id>/layer.tar. */
function fakeSave(dir: string): { configDigest: string; layer: Buffer } {
  const layer = Buffer.from('pretend this is a tar'.repeat(100));
  const config = Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
  const id = sha(config).slice(7);
  fs.mkdirSync(path.join(dir, 'abc'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'abc/layer.tar'), layer);
  fs.writeFileSync(path.join(dir, `${id}.json`), config);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: `${id}.json`, RepoTags: ['x:1'], Layers: ['abc/layer.tar'] }]));
  return { configDigest: sha(config), layer };
}

describe('addRepository', () => {
  it('writes the distribution filesystem layout with gzipped layers and tag links', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
    try {
      const save = path.join(tmp, 'save');
      const store = path.join(tmp, 'store');
      const { configDigest, layer } = fakeSave(save);
      const { manifest, digest } = await addRepository(store, 'library/x', ['1', 'latest'], save);

      expect(manifest.mediaType).toBe(MEDIA.manifest);
      expect(manifest.config).toMatchObject({ digest: configDigest, mediaType: MEDIA.config });
      const layerDesc = manifest.layers[0]!;
      const gz = fs.readFileSync(blobPath(store, layerDesc.digest));
      expect(sha(gz)).toBe(layerDesc.digest);
      expect(gz.length).toBe(layerDesc.size);
      expect(zlib.gunzipSync(gz).equals(layer)).toBe(true);

      const mbytes = fs.readFileSync(blobPath(store, digest));
      expect(sha(mbytes)).toBe(digest);
      expect(JSON.parse(mbytes.toString())).toEqual(manifest);

      const repo = path.join(store, V2, 'repositories/library/x');
      const link = (p: string) => fs.readFileSync(path.join(repo, p), 'utf8');
      for (const tag of ['1', 'latest']) {
        expect(link(`_manifests/tags/${tag}/current/link`)).toBe(digest);
        expect(link(`_manifests/tags/${tag}/index/sha256/${digest.slice(7)}/link`)).toBe(digest);
      }
      expect(link(`_manifests/revisions/sha256/${digest.slice(7)}/link`)).toBe(digest);
      expect(link(`_layers/sha256/${configDigest.slice(7)}/link`)).toBe(configDigest);
      expect(link(`_layers/sha256/${layerDesc.digest.slice(7)}/link`)).toBe(layerDesc.digest);
      // No upload debris is left in the store.
      expect(fs.readdirSync(path.join(store, V2)).sort()).toEqual(['blobs', 'repositories']);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('gives the same layer the same digest every time', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
    try {
      fakeSave(path.join(tmp, 'save'));
      const a = await addRepository(path.join(tmp, 's1'), 'library/x', ['1'], path.join(tmp, 'save'));
      const b = await addRepository(path.join(tmp, 's2'), 'library/x', ['1'], path.join(tmp, 'save'));
      expect(a.digest).toBe(b.digest);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('makeReadableByAll', () => {
  it('gives every uid read access to files and search access to directories, and says how many it changed', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
    try {
      fs.mkdirSync(path.join(tmp, 'a/b'), { recursive: true, mode: 0o700 });
      fs.chmodSync(path.join(tmp, 'a'), 0o700);
      fs.writeFileSync(path.join(tmp, 'a/b/data'), 'x', { mode: 0o600 });
      fs.writeFileSync(path.join(tmp, 'ok'), 'x', { mode: 0o644 });
      fs.chmodSync(tmp, 0o755);
      expect(makeReadableByAll(tmp)).toBe(3);
      expect(fs.statSync(path.join(tmp, 'a')).mode & 0o777).toBe(0o755);
      expect(fs.statSync(path.join(tmp, 'a/b')).mode & 0o777).toBe(0o755);
      expect(fs.statSync(path.join(tmp, 'a/b/data')).mode & 0o777).toBe(0o644);
      expect(makeReadableByAll(tmp)).toBe(0);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
