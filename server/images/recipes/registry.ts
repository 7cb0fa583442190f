/**
 * registry:2: Debian's docker-registry (distribution 2.8) with the libraries it links, the
 * upstream image's config (deletes enabled) and, as upstream's Alpine base has, a busybox shell.
 */
import fs from 'node:fs';
import type { Recipe } from '../recipe.ts';
import { copyTree, copyWithLibs, HOST_BUSYBOX, hostFileStamp, installBusybox, mkdirs } from '../rootfs.ts';
import { assetsDir, overlayDir } from './assets.ts';

/** Installed on the host by Debian's docker-registry package. */
export const HOST_REGISTRY_BINARY = '/usr/bin/docker-registry';

export const registry: Recipe = {
  name: 'registry',
  tags: ['registry:2', 'registry:latest'],
  mirrored: true,
  revision: 1,
  config: {
    entrypoint: ['/bin/registry'],
    cmd: ['serve', '/etc/docker/registry/config.yml'],
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    expose: ['5000'],
    volumes: ['/var/lib/registry'],
  },
  inputs: () => ({ binary: hostFileStamp(HOST_REGISTRY_BINARY), busybox: hostFileStamp(HOST_BUSYBOX) }),
  assetsDir: assetsDir('registry'),
  async build(ctx) {
    if (!fs.existsSync(HOST_REGISTRY_BINARY)) {
      throw new Error(`${HOST_REGISTRY_BINARY} is missing; install Debian's docker-registry package (apt-get install docker-registry)`);
    }
    ctx.phase('copying the registry binary', 20);
    mkdirs(ctx.root, ['/bin', '/etc', '/root', '/var/lib/registry']);
    mkdirs(ctx.root, ['/tmp'], 0o1777);
    await copyWithLibs(ctx.root, HOST_REGISTRY_BINARY, '/bin/registry');
    ctx.phase('adding a busybox shell', 60);
    await installBusybox(ctx.root);
    copyTree(ctx.root, overlayDir('registry'));
  },
};
