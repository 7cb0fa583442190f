/**
 * Image catalog timings and sizes.
 *   npx tsx bench/images.ts          warm ensureImages+ensureMirror (median of 5), sizes
 *   npx tsx bench/images.ts --cold   first removes every Shiplab-built image tag and the mirror
 *                                    store stamp, then times a full build per image (the .deb
 *                                    cache is kept: that is what a rebuild on this host costs)
 * --cold breaks running sandboxes' image references; run it on an idle engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureEngine } from '../server/engine/engine.ts';
import { ensureImages, ensureMirror, RECIPES, type ImageProgress } from '../server/images/catalog.ts';
import { mirrorStoreDir } from '../server/images/mirror.ts';
import { blobPath } from '../server/images/mirrorStore.ts';
import { splitTag } from '../server/images/recipe.ts';

/** Enough runs for a stable median of a sub-second operation, few enough to stay quick. */
const WARM_RUNS = 5;
const MB = 1024 * 1024;

const cold = process.argv.includes('--cold');
const { docker } = await ensureEngine();
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

if (cold) {
  for (const r of RECIPES) {
    for (const t of r.tags) {
      try {
        await docker.getImage(t).remove({ force: true });
      } catch (err) {
        const code = (err as { statusCode?: number }).statusCode;
        // 404: not there; 409: a running container holds it (the tag is gone all the same).
        if (code !== 404 && code !== 409) throw err;
      }
    }
  }
  fs.rmSync(path.join(mirrorStoreDir(), 'shiplab-store.json'), { force: true });
  console.log('cold: removed every catalog image tag and the mirror store stamp');
  const started = new Map<string, number>();
  const took = new Map<string, number>();
  const t0 = Date.now();
  await ensureImages(docker, (p: ImageProgress) => {
    if (!started.has(p.image)) started.set(p.image, Date.now());
    if (p.phase === 'built') took.set(p.image, Date.now() - started.get(p.image)!);
  });
  const t1 = Date.now();
  await ensureMirror(docker);
  const t2 = Date.now();
  for (const [image, ms] of took) console.log(`cold build ${image.padEnd(10)} ${secs(ms)}`);
  console.log(`cold ensureImages total   ${secs(t1 - t0)}`);
  console.log(`cold ensureMirror         ${secs(t2 - t1)}`);
}

const warm: number[] = [];
for (let i = 0; i < WARM_RUNS; i++) {
  const t = Date.now();
  await ensureImages(docker);
  await ensureMirror(docker);
  warm.push(Date.now() - t);
}
warm.sort((a, b) => a - b);
console.log(`warm ensureImages+ensureMirror: median ${warm[Math.floor(WARM_RUNS / 2)]} ms (runs: ${warm.join(', ')} ms)`);

/** Bytes a sandbox pulls for a tag: the compressed layers the mirror's manifest lists. */
function pulledBytes(ref: string): number | undefined {
  const { repo, tag } = splitTag(ref);
  const link = path.join(mirrorStoreDir(), 'docker/registry/v2/repositories/library', repo, '_manifests/tags', tag, 'current/link');
  if (!fs.existsSync(link)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(blobPath(mirrorStoreDir(), fs.readFileSync(link, 'utf8')), 'utf8')) as { layers: { size: number }[] };
  return manifest.layers.reduce((n, l) => n + l.size, 0);
}

for (const r of RECIPES) {
  const info = await docker.getImage(r.tags[0]!).inspect();
  const pulled = r.mirrored ? pulledBytes(r.tags[0]!) : undefined;
  const pull = pulled === undefined ? 'host only' : `${(pulled / MB).toFixed(1)} MB pulled through the mirror`;
  console.log(`size ${r.tags[0]!.padEnd(22)} ${(info.Size / MB).toFixed(1).padStart(6)} MB  (${pull})`);
}
