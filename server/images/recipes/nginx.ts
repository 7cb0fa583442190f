/**
 * nginx: the real nginx of Debian's nginx package with the libraries it links, the upstream
 * image's configuration and welcome page, logs to stdout/stderr, an nginx user, and a shell
 * (bash and busybox tools) for `docker exec -it web bash`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Recipe } from '../recipe.ts';
import { extractDebs, fetchDebs } from '../debs.ts';
import { copyIn, copyTree, copyWithLibs, HOST_BUSYBOX, hostFileStamp, installBusybox, mkdirs, removeTree, symlinkIn } from '../rootfs.ts';
import { assetsDir, overlayDir } from './assets.ts';

const PACKAGES = ['nginx', 'nginx-common'];
/** Files of nginx-common the upstream image also ships (its nginx.conf and default.conf are ours). */
const NGINX_CONF_FILES = ['mime.types', 'fastcgi_params', 'fastcgi.conf', 'scgi_params', 'uwsgi_params', 'koi-utf', 'koi-win', 'win-utf'];
const HOST_BASH = '/bin/bash';

export const nginx: Recipe = {
  name: 'nginx',
  tags: ['nginx:latest'],
  mirrored: true,
  revision: 1,
  config: {
    cmd: ['nginx', '-g', 'daemon off;'],
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    expose: ['80'],
    // nginx finishes the requests in flight on SIGQUIT; SIGTERM would cut them off.
    stopSignal: 'SIGQUIT',
  },
  inputs: () => ({ packages: PACKAGES, bash: hostFileStamp(HOST_BASH), busybox: hostFileStamp(HOST_BUSYBOX) }),
  assetsDir: assetsDir('nginx'),
  async build(ctx) {
    ctx.phase('fetching the nginx packages', 10);
    const debs = await fetchDebs(PACKAGES, path.join(ctx.cacheDir, 'debs'), ctx.log);
    const staging = `${ctx.root}.debs`;
    await removeTree(staging);
    try {
      await extractDebs(debs, staging);
      ctx.phase('copying nginx and its libraries', 40);
      mkdirs(ctx.root, ['/bin', '/etc/nginx/conf.d', '/usr/share/nginx/html', '/var/cache/nginx', '/var/lib/nginx', '/var/log/nginx', '/run']);
      mkdirs(ctx.root, ['/tmp'], 0o1777);
      mkdirs(ctx.root, ['/root'], 0o700);
      await copyWithLibs(ctx.root, path.join(staging, 'usr/sbin/nginx'), '/usr/sbin/nginx');
      for (const f of NGINX_CONF_FILES) {
        const src = path.join(staging, 'etc/nginx', f);
        if (fs.existsSync(src)) copyIn(ctx.root, src, `/etc/nginx/${f}`, 0o644);
      }
      copyIn(ctx.root, path.join(staging, 'usr/share/nginx/html/index.html'), '/usr/share/nginx/html/index.html', 0o644);
    } finally {
      await removeTree(staging);
    }
    // As upstream: the logs are the container's stdout and stderr.
    symlinkIn(ctx.root, '/dev/stdout', '/var/log/nginx/access.log');
    symlinkIn(ctx.root, '/dev/stderr', '/var/log/nginx/error.log');
    symlinkIn(ctx.root, '/run', '/var/run');
    ctx.phase('adding a shell', 70);
    await copyWithLibs(ctx.root, HOST_BASH, '/bin/bash');
    await installBusybox(ctx.root);
    copyTree(ctx.root, overlayDir('nginx'));
  },
};
