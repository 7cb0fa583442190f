/**
 * Makes a debootstrapped tree fit to be an image: no host identity left in it (resolv.conf,
 * hostname, machine-id), no package lists, caches, logs, manuals or docs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { emptyDev, inRoot } from './rootfs.ts';

/** Directories emptied entirely. */
const EMPTIED = ['/var/lib/apt/lists', '/var/cache/apt', '/var/cache/debconf', '/usr/share/man', '/usr/share/info', '/usr/share/groff', '/usr/share/lintian', '/tmp', '/var/tmp'];

function emptyDir(root: string, dir: string): void {
  const abs = inRoot(root, dir);
  if (!fs.existsSync(abs)) return;
  for (const e of fs.readdirSync(abs)) fs.rmSync(path.join(abs, e), { recursive: true, force: true });
}

/** Keeps only what matches keep() inside dir (one level of subfolders deep, as /usr/share/doc/<pkg>/…). */
function prune(root: string, dir: string, keep: (rel: string) => boolean): void {
  const abs = inRoot(root, dir);
  if (!fs.existsSync(abs)) return;
  for (const pkg of fs.readdirSync(abs)) {
    const p = path.join(abs, pkg);
    if (!fs.lstatSync(p).isDirectory()) {
      if (!keep(pkg)) fs.rmSync(p, { force: true });
      continue;
    }
    for (const f of fs.readdirSync(p)) if (!keep(`${pkg}/${f}`)) fs.rmSync(path.join(p, f), { recursive: true, force: true });
  }
}

export function slimDebianTree(root: string): void {
  for (const d of EMPTIED) emptyDir(root, d);
  fs.chmodSync(inRoot(root, '/tmp'), 0o1777);
  fs.chmodSync(inRoot(root, '/var/tmp'), 0o1777);
  // Only copyright notices stay, as in debian:bookworm-slim.
  prune(root, '/usr/share/doc', (rel) => rel.endsWith('/copyright'));
  prune(root, '/usr/share/locale', (rel) => rel === 'locale.alias');
  // Logs of the build, not of anything the image will run.
  for (const f of ['/var/log/dpkg.log', '/var/log/bootstrap.log', '/var/log/alternatives.log', '/var/log/apt/history.log', '/var/log/apt/term.log']) {
    fs.rmSync(inRoot(root, f), { force: true });
  }
  // The engine writes these per container; whatever debootstrap copied from the host must not ship.
  for (const f of ['/etc/resolv.conf', '/etc/hostname']) fs.writeFileSync(inRoot(root, f), '');
  fs.writeFileSync(inRoot(root, '/etc/hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  fs.writeFileSync(inRoot(root, '/etc/machine-id'), '');
  fs.rmSync(inRoot(root, '/var/lib/dbus/machine-id'), { force: true });
  emptyDev(root);
}
