/** busybox: Debian's static busybox and one symlink per applet in /bin, like the Docker Hub image. */
import type { Recipe } from '../recipe.ts';
import { copyTree, HOST_BUSYBOX, hostFileStamp, installBusybox, mkdirs } from '../rootfs.ts';
import { assetsDir, overlayDir } from './assets.ts';

export const busybox: Recipe = {
  name: 'busybox',
  tags: ['busybox:latest'],
  mirrored: true,
  revision: 1,
  config: { cmd: ['sh'], env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } },
  inputs: () => ({ busybox: hostFileStamp(HOST_BUSYBOX) }),
  assetsDir: assetsDir('busybox'),
  async build(ctx) {
    ctx.phase('installing busybox', 20);
    mkdirs(ctx.root, ['/bin', '/etc', '/home', '/root', '/usr/sbin', '/var/spool/mail', '/var/www']);
    mkdirs(ctx.root, ['/tmp'], 0o1777);
    mkdirs(ctx.root, ['/root'], 0o700);
    await installBusybox(ctx.root);
    copyTree(ctx.root, overlayDir('busybox'));
  },
};
