/**
 * Helpers that fill an image's root filesystem on the host: a binary with the libraries it
 * links, static busybox with its applets, asset folders, and a safe removal of a whole tree.
 */
import fs from 'node:fs';
import path from 'node:path';
import { must, run } from '../host/run.ts';

/** Debian's busybox-static puts its binary here. */
export const HOST_BUSYBOX = '/bin/busybox';

/** Names the installed build of a host file (size and mtime): an upgraded package changes it. */
export function hostFileStamp(file: string): string {
  if (!fs.existsSync(file)) return 'missing';
  const st = fs.statSync(file);
  return `${st.size}-${Math.floor(st.mtimeMs)}`;
}

/** Resolves a path inside the image root, refusing anything that would land outside it. */
export function inRoot(root: string, p: string): string {
  const abs = path.resolve(root, '.' + path.posix.resolve('/', p));
  if (abs !== root && !abs.startsWith(root + path.sep)) throw new Error(`${p} escapes the image root ${root}`);
  return abs;
}

export function mkdirs(root: string, dirs: string[], mode = 0o755): void {
  for (const d of dirs) {
    const abs = inRoot(root, d);
    fs.mkdirSync(abs, { recursive: true });
    fs.chmodSync(abs, mode);
  }
}

/** Copies a host file (symlinks followed) into the image at dest, keeping its mode. */
export function copyIn(root: string, src: string, dest = src, mode?: number): void {
  const abs = inRoot(root, dest);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.copyFileSync(src, abs);
  fs.chmodSync(abs, mode ?? fs.statSync(src).mode & 0o7777);
}

export function writeIn(root: string, dest: string, content: string, mode = 0o644): void {
  const abs = inRoot(root, dest);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, content);
  fs.chmodSync(abs, mode);
}

export function symlinkIn(root: string, target: string, dest: string): void {
  const abs = inRoot(root, dest);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.rmSync(abs, { force: true });
  fs.symlinkSync(target, abs);
}

/** The shared libraries ldd lists for a binary (interpreter included), as absolute host paths. */
export function parseLdd(out: string): { libs: string[]; missing: string[] } {
  const libs: string[] = [];
  const missing: string[] = [];
  for (const line of out.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('linux-vdso') || t.startsWith('statically linked') || t.includes('not a dynamic executable')) continue;
    const arrow = /^(\S+) => (.+?)(?: \(0x[0-9a-f]+\))?$/.exec(t);
    if (arrow) {
      if (arrow[2] === 'not found') missing.push(arrow[1]!);
      else if (arrow[2]!.startsWith('/')) libs.push(arrow[2]!);
      continue;
    }
    const direct = /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(t);
    if (direct) libs.push(direct[1]!);
  }
  return { libs, missing };
}

/**
 * Copies a binary to dest in the image plus every library it links, each at the path the
 * dynamic loader will look for it. The libraries come from the host, which is the same
 * distribution the binary's package came from (apt on this host fetched it).
 */
export async function copyWithLibs(root: string, src: string, dest: string): Promise<void> {
  copyIn(root, src, dest);
  const r = await run('ldd', [src]);
  // ldd exits 1 for a static binary ("not a dynamic executable"): nothing to copy then.
  if (r.code !== 0 && /not a dynamic executable|statically linked/.test(r.stdout + r.stderr)) return;
  if (r.code !== 0) throw new Error(`ldd ${src} failed: ${r.stderr.trim()}`);
  const { libs, missing } = parseLdd(r.stdout);
  if (missing.length) {
    throw new Error(`${src} needs ${missing.join(', ')}, which the host does not have; install them with apt-get (they come with the package's dependencies)`);
  }
  for (const lib of libs) if (!fs.existsSync(inRoot(root, lib))) copyIn(root, lib);
}

/** Static busybox at /bin/busybox with one symlink per applet in dir (default /bin), like the busybox image. */
export async function installBusybox(root: string, dir = '/bin'): Promise<void> {
  if (!fs.existsSync(HOST_BUSYBOX)) throw new Error(`${HOST_BUSYBOX} is missing; install Debian's busybox-static`);
  copyIn(root, HOST_BUSYBOX, '/bin/busybox', 0o755);
  const applets = (await must(HOST_BUSYBOX, ['--list'])).split('\n').map((s) => s.trim()).filter(Boolean);
  for (const a of applets) {
    if (a === 'busybox' || a.includes('/')) continue;
    const dest = path.posix.join(dir, a);
    if (!fs.existsSync(inRoot(root, dest))) symlinkIn(root, dir === '/bin' ? 'busybox' : '/bin/busybox', dest);
  }
}

/** Copies every file under src (an asset folder) to the same paths in the image, 755 or 644. */
export function copyTree(root: string, src: string, destDir = '/'): void {
  if (!fs.existsSync(src)) return;
  for (const ent of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, ent.name);
    const d = path.posix.join(destDir, ent.name);
    if (ent.isDirectory()) {
      mkdirs(root, [d]);
      copyTree(root, s, d);
    } else if (ent.isSymbolicLink()) symlinkIn(root, fs.readlinkSync(s), d);
    else copyIn(root, s, d, fs.statSync(s).mode & 0o111 ? 0o755 : 0o644);
  }
}

/** Empties /dev: the engine mounts its own, and device nodes in a layer only cost mknod rights on pull. */
export function emptyDev(root: string): void {
  const dev = inRoot(root, '/dev');
  fs.rmSync(dev, { recursive: true, force: true });
  mkdirs(root, ['/dev']);
}

/** Mount points at or below dir, deepest first (from /proc/self/mountinfo). */
export function mountsBelow(dir: string, mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return mountinfo
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m)
    .map(unescape)
    .filter((m) => m === dir || m.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
}

/**
 * Removes a build tree. A debootstrap that died midway can leave /proc or /sys mounted inside
 * it, and a recursive delete must never walk into those: unmount first, and refuse if any stay.
 */
export async function removeTree(dir: string): Promise<void> {
  if (!fs.existsSync(dir)) return;
  for (const m of mountsBelow(dir)) await run('umount', ['-l', m]);
  const left = mountsBelow(dir);
  if (left.length) throw new Error(`cannot remove ${dir}: ${left.join(', ')} still mounted; unmount them by hand`);
  fs.rmSync(dir, { recursive: true, force: true });
}
