/**
 * shiplab/server: Shiplab itself as a container image, for docker-compose.yml. A Debian with
 * what the host needs (HOST_PACKAGES: docker.io for the embedded engine, iptables, debootstrap,
 * tcpdump, …), the very Node.js binary that runs this process (with the libraries it links, as
 * the registry image is made), and this checkout: its code, lessons, image assets, the built page
 * and node_modules (native addons compiled for that Node and this Debian release).
 *
 * Node.js comes from the host rather than from apt: Debian 12's own nodejs is 18, older than
 * package.json's engines and the native addons' ABI; the host's Node 20 came from a package
 * source that is not configured on these machines. Built on the host engine only, on demand
 * (`npm run shiplab -- server-image`), never by the lab's own start: the lab does not need it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../core/config.ts';
import { SERVER_NODE_FLAGS } from '../../core/nodeFlags.ts';
import { DOCKER_DEFAULT_PROFILE, HOST_PACKAGES, SECCOMP_PACKAGE } from '../../engine/engine.ts';
import type { Recipe } from '../recipe.ts';
import { hashTree } from '../recipe.ts';
import { debootstrap, debianMirror, SUITE } from '../debootstrap.ts';
import { slimDebianTree } from '../debianTree.ts';
import { copyIn, copyWithLibs, mkdirs } from '../rootfs.ts';
import { must } from '../../host/run.ts';
import { assetsDir } from './assets.ts';

export const SERVER_IMAGE = 'shiplab/server:bookworm';
/** Where the checkout goes in the image. */
export const APP_DIR = '/opt/shiplab';
/** The data volume's mount point (SHIPLAB_DATA_DIR in the image). */
export const DATA_DIR = '/var/lib/shiplab';
export const SERVER_ENTRYPOINT = '/usr/local/bin/shiplab-server-entrypoint';
/** The port the server listens on in the container. */
export const SERVER_PORT = 8080;

/** HOST_PACKAGES but Docker's Go source, of which only the seccomp profile is used (copied from
 * the host: debootstrap cannot configure that package's tree of Go -dev dependencies), and a
 * shell's basics. */
const PACKAGES = [...HOST_PACKAGES.filter((p) => p !== SECCOMP_PACKAGE), 'mount', 'procps', 'iproute2', 'kmod'];

/** What of the checkout the server runs from (dist/web: the page `vite build` made). */
const APP_PARTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'server', 'lessons', 'images', 'dist/web', 'node_modules'];
/** Parts whose content the recipe's hash covers (node_modules through package-lock.json). */
const HASHED_PARTS = ['server', 'lessons', 'images', 'dist/web'];

function hashFile(file: string): string {
  return fs.existsSync(file) ? crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex') : 'missing';
}

function copyAll(root: string, src: string, dest: string): void {
  // cp -a keeps symlinks (node_modules/.bin) and modes; fs.cpSync does the same.
  fs.cpSync(src, path.join(root, dest), { recursive: true, verbatimSymlinks: true, filter: (s) => !s.endsWith('.test.ts') });
}

export function serverRecipe(dir = assetsDir('server')): Recipe {
  return {
    name: 'server',
    tags: [SERVER_IMAGE],
    mirrored: false,
    revision: 2,
    config: {
      entrypoint: [SERVER_ENTRYPOINT],
      cmd: ['node', ...SERVER_NODE_FLAGS, '--import', 'tsx', 'server/main.ts'],
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        SHIPLAB_DATA_DIR: DATA_DIR,
        SHIPLAB_HOST: '0.0.0.0',
        SHIPLAB_PORT: String(SERVER_PORT),
        NODE_ENV: 'production',
      },
      workdir: APP_DIR,
      expose: [String(SERVER_PORT)],
      volumes: [DATA_DIR],
    },
    inputs: () => ({
      suite: SUITE,
      packages: PACKAGES,
      mirror: debianMirror(),
      node: process.version,
      seccomp: hashFile(DOCKER_DEFAULT_PROFILE),
      lock: hashFile(path.join(ROOT, 'package-lock.json')),
      app: HASHED_PARTS.map((p) => [p, hashTree(path.join(ROOT, p))]),
    }),
    assetsDir: dir,
    async build(ctx) {
      for (const p of APP_PARTS) {
        if (!fs.existsSync(path.join(ROOT, p))) throw new Error(`${path.join(ROOT, p)} is missing: run npm install and npm run build:web first`);
      }
      await debootstrap({
        target: ctx.root,
        include: PACKAGES,
        cacheDir: path.join(ctx.cacheDir, 'debs'),
        onProgress: (p) => ctx.phase(p.phase, p.percent * 0.7),
      });
      if (!fs.existsSync(DOCKER_DEFAULT_PROFILE)) throw new Error(`${DOCKER_DEFAULT_PROFILE} is missing; install Debian's golang-github-docker-docker-dev`);
      copyIn(ctx.root, DOCKER_DEFAULT_PROFILE);
      ctx.phase('adding Node.js', 72);
      await copyWithLibs(ctx.root, process.execPath, '/usr/local/bin/node');
      ctx.phase('adding Shiplab', 75);
      mkdirs(ctx.root, [APP_DIR, DATA_DIR]);
      for (const p of APP_PARTS) copyAll(ctx.root, path.join(ROOT, p), path.posix.join(APP_DIR, p));
      copyIn(ctx.root, path.join(dir, 'entrypoint.sh'), SERVER_ENTRYPOINT, 0o755);
      // No setuid or setgid programs: everything here runs as root anyway, and on an engine that
      // remaps user namespaces a `userns_mode: host` container sees the image's files owned by
      // the remapped uid (100000), so a setuid mount(8) would run as that uid and fail.
      await must('find', [ctx.root, '-xdev', '-type', 'f', '-perm', '/6000', '-exec', 'chmod', 'ug-s', '{}', '+']);
      slimDebianTree(ctx.root);
    },
  };
}
