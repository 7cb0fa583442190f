/**
 * debian:bookworm (also bookworm-slim and latest): a minbase debootstrap with Docker's usual
 * container tweaks (no services started by packages, no apt caches, no docs), like the
 * official slim image.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Recipe } from '../recipe.ts';
import { debootstrap, debianMirror, SUITE } from '../debootstrap.ts';
import { slimDebianTree } from '../debianTree.ts';
import { copyTree, inRoot } from '../rootfs.ts';
import { assetsDir, overlayDir } from './assets.ts';

export const debian: Recipe = {
  name: 'debian',
  tags: [`debian:${SUITE}`, `debian:${SUITE}-slim`, 'debian:latest'],
  mirrored: true,
  revision: 1,
  config: { cmd: ['bash'], env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } },
  inputs: () => ({ suite: SUITE, variant: 'minbase', mirror: debianMirror() }),
  assetsDir: assetsDir('debian'),
  async build(ctx) {
    await debootstrap({
      target: ctx.root,
      include: [],
      cacheDir: path.join(ctx.cacheDir, 'debs'),
      onProgress: (p) => ctx.phase(p.phase, p.percent * 0.85),
    });
    ctx.phase('slimming the tree', 88);
    copyTree(ctx.root, overlayDir('debian'));
    // debian.sources (deb822, with updates and security) replaces debootstrap's one-line list.
    fs.rmSync(inRoot(ctx.root, '/etc/apt/sources.list'), { force: true });
    slimDebianTree(ctx.root);
  },
};
