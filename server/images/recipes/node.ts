/**
 * shiplab/node: the sandbox node, a Debian with Docker's engine and CLI (docker-in-docker) and
 * the tools a learner's terminal needs. Host engine only; never served by the mirror.
 * Every file in images/node/ goes in: entrypoint.sh as the entrypoint, bashrc as root's (and
 * new users') .bashrc, rootfs/** at the same paths, any other file under /usr/local/lib/shiplab/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Recipe } from '../recipe.ts';
import { debootstrap, debianMirror, SUITE } from '../debootstrap.ts';
import { slimDebianTree } from '../debianTree.ts';
import { copyIn, copyTree, mkdirs } from '../rootfs.ts';
import { assetsDir } from './assets.ts';

export const NODE_ENTRYPOINT = '/usr/local/bin/shiplab-node-entrypoint';

const PACKAGES = [
  'docker.io', 'docker-compose', 'bash', 'bash-completion', 'ca-certificates', 'curl', 'jq', 'procps',
  'iproute2', 'iputils-ping', 'iptables', 'less', 'vim-tiny', 'nano', 'tree',
];

/** Where each top-level file of images/node/ goes; anything else lands in /usr/local/lib/shiplab/. */
const PLACES: Record<string, { dest: string[]; mode: number }> = {
  'entrypoint.sh': { dest: [NODE_ENTRYPOINT], mode: 0o755 },
  bashrc: { dest: ['/root/.bashrc', '/etc/skel/.bashrc'], mode: 0o644 },
};

export function nodeRecipe(tag: string, dir = assetsDir('node')): Recipe {
  return {
    name: 'node',
    tags: [tag],
    mirrored: false,
    revision: 1,
    config: {
      entrypoint: [NODE_ENTRYPOINT],
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
      workdir: '/root',
    },
    inputs: () => ({ suite: SUITE, variant: 'minbase', packages: PACKAGES, mirror: debianMirror() }),
    assetsDir: dir,
    async build(ctx) {
      if (!fs.existsSync(path.join(dir, 'entrypoint.sh'))) {
        throw new Error(`${path.join(dir, 'entrypoint.sh')} is missing: the node image needs its entrypoint`);
      }
      await debootstrap({
        target: ctx.root,
        include: PACKAGES,
        cacheDir: path.join(ctx.cacheDir, 'debs'),
        onProgress: (p) => ctx.phase(p.phase, p.percent * 0.85),
      });
      ctx.phase('adding Shiplab files', 88);
      for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
        const src = path.join(dir, ent.name);
        if (ent.isDirectory()) {
          if (ent.name === 'rootfs') copyTree(ctx.root, src);
          continue;
        }
        const place = PLACES[ent.name] ?? { dest: [`/usr/local/lib/shiplab/${ent.name}`], mode: fs.statSync(src).mode & 0o111 ? 0o755 : 0o644 };
        for (const d of place.dest) copyIn(ctx.root, src, d, place.mode);
      }
      mkdirs(ctx.root, ['/var/lib/docker'], 0o710);
      slimDebianTree(ctx.root);
    },
  };
}
