/**
 * The host engine's user namespace remap (dockerd --userns-remap): root in every container it
 * runs is an unprivileged host uid, so a learner who is root in a node is no one on the host.
 * Sandboxes need to know that uid: the node's store and its own cgroup directories are handed
 * to it (server/sandbox/store.ts, cgroups.ts), and the mirror's store must be readable by it.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The host ids that uid 0 and gid 0 in a container map to; container id n is host id + n. */
export interface UserNamespace {
  uid: number;
  gid: number;
}

/** The user Docker creates for `--userns-remap=default`. */
export const REMAP_USER = 'dockremap';

/** What `docker info` tells about the remap. */
export interface EngineInfo {
  SecurityOptions?: string[];
  DockerRootDir?: string;
}

/** True when the engine remaps user namespaces (`name=userns` among its security options). */
export function isRemapped(info: EngineInfo): boolean {
  return (info.SecurityOptions ?? []).some((o) => o.split(',').includes('name=userns'));
}

/**
 * The remap of an engine, or undefined when it has none. dockerd names its remapped root
 * directory after the ids (`<data-root>/<uid>.<gid>`), whatever user it remaps to; failing
 * that, dockremap's first ranges in /etc/subuid and /etc/subgid.
 */
export function userNamespaceOf(info: EngineInfo, readIds: (file: string) => string = readEtc): UserNamespace | undefined {
  if (!isRemapped(info)) return undefined;
  const m = /^(\d+)\.(\d+)$/.exec(path.basename(info.DockerRootDir ?? ''));
  if (m) return { uid: Number(m[1]), gid: Number(m[2]) };
  const uid = firstRange(readIds('/etc/subuid'), REMAP_USER);
  const gid = firstRange(readIds('/etc/subgid'), REMAP_USER);
  if (uid === undefined || gid === undefined) {
    throw new Error(
      `the engine remaps user namespaces, but neither its root directory (${info.DockerRootDir}) nor /etc/subuid and /etc/subgid ` +
        `(user ${REMAP_USER}) say to which host ids; start dockerd with --userns-remap=default`,
    );
  }
  return { uid, gid };
}

/** The start of `user`'s first range in an /etc/subuid-style file ("name:start:count" lines). */
export function firstRange(text: string, user: string): number | undefined {
  for (const line of text.split('\n')) {
    const [name, start, count] = line.trim().split(':');
    if (name === user && /^\d+$/.test(start ?? '') && Number(count) > 0) return Number(start);
  }
  return undefined;
}

function readEtc(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    // No such file: no ranges at all, which userNamespaceOf reports with its own message.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}
