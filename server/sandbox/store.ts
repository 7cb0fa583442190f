/**
 * A node's /var/lib/docker: an ext4 file system in a sparse file, loop-mounted on the host and
 * bind-mounted into the node. It must not be the node's own overlay (overlay on overlay fails and
 * dockerd falls back to vfs), and a file system of fixed size is a hard bound on what a learner
 * can write: a disk fill stops at the store, not at the host's disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { UserNamespace } from '../engine/userns.ts';
import { must, run } from '../host/run.ts';

export interface StorePaths {
  image: string;
  mount: string;
}

export function storePaths(sandboxDir: string, node: string): StorePaths {
  return { image: path.join(sandboxDir, `${node}.ext4`), mount: path.join(sandboxDir, node) };
}

/** Creates and mounts a store of `bytes` (sparse: only what is written takes disk space), owned
 * by `owner`, the host ids of root in the node under a user namespace remap: the inner dockerd
 * chmods /var/lib/docker at start and fails on a root-owned one ("operation not permitted"). */
export async function createStore(p: StorePaths, bytes: number, owner?: UserNamespace): Promise<void> {
  fs.mkdirSync(p.mount, { recursive: true });
  const fd = fs.openSync(p.image, 'w');
  fs.ftruncateSync(fd, bytes);
  fs.closeSync(fd);
  // lazy init and no journal: mkfs takes ~50 ms instead of seconds; the store is scratch space
  // whose life is the sandbox's.
  await must('mkfs.ext4', ['-q', '-F', '-O', '^has_journal', '-E', 'lazy_itable_init=1,lazy_journal_init=1', '-m', '0', p.image]);
  // `-o loop` sets the loop device's autoclear flag: unmounting frees the loop device.
  await must('mount', ['-o', 'loop,noatime', p.image, p.mount]);
  if (owner) fs.chownSync(p.mount, owner.uid, owner.gid);
}

export async function isMounted(dir: string): Promise<boolean> {
  const mounts = fs.readFileSync('/proc/self/mounts', 'utf8');
  return mounts.split('\n').some((l) => l.split(' ')[1] === dir);
}

/** Unmounts (freeing the loop device) and deletes the store. Safe to call twice. */
export async function removeStore(p: StorePaths): Promise<void> {
  for (let i = 0; i < 5 && (await isMounted(p.mount)); i++) {
    const r = await run('umount', [p.mount]);
    if (r.code !== 0) {
      // Busy right after the container exits (its mounts are still being torn down): a lazy
      // unmount detaches it now and the loop device is freed when the last user goes.
      await run('umount', ['-l', p.mount]);
    }
  }
  fs.rmSync(p.image, { force: true });
  fs.rmSync(p.mount, { recursive: true, force: true });
}

/** Loop devices backed by files under `dir` (for leak checks). */
export async function loopDevicesUnder(dir: string): Promise<string[]> {
  const r = await run('losetup', ['-l', '-n', '-O', 'NAME,BACK-FILE']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 2 && f[1]!.startsWith(dir))
    .map((f) => f[0]!);
}
