/**
 * The node's seccomp profile: Docker's own default profile (from Debian's
 * golang-github-docker-docker-dev, the engine's source) with the changes engine-facts.md
 * verified a docker-in-docker node needs, and the extra denials that close escape vectors.
 */
import fs from 'node:fs';
import { DOCKER_DEFAULT_PROFILE } from '../engine/engine.ts';

export { DOCKER_DEFAULT_PROFILE };

/** Syscalls the node never gets, even though Docker's profile allows them with CAP_SYS_ADMIN etc.:
 * kernel attack surface (bpf, perf, io_uring), host-wide information (syslog, lookup_dcookie,
 * fanotify), quotas, and file handles (open_by_handle_at reads host files by inode). */
export const DENIED = [
  'bpf', 'perf_event_open', 'fanotify_init', 'lookup_dcookie', 'quotactl', 'quotactl_fd', 'syslog',
  'io_uring_enter', 'io_uring_register', 'io_uring_setup', 'open_by_handle_at',
] as const;

/** runc calls these to set up a session keyring; ENOSYS makes it carry on, EPERM makes it fail. */
export const ENOSYS_CALLS = ['keyctl', 'add_key', 'request_key'] as const;
const ENOSYS = 38;
const AF_VSOCK = 40;

interface Rule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[];
  includes?: Record<string, unknown>;
  excludes?: Record<string, unknown>;
  comment?: string;
}

interface Profile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap?: unknown;
  syscalls: Rule[];
}

export function nodeSeccompProfile(source = DOCKER_DEFAULT_PROFILE): string {
  if (!fs.existsSync(source)) {
    throw new Error(`Docker's default seccomp profile is missing at ${source}; install Debian's golang-github-docker-docker-dev (apt-get install golang-github-docker-docker-dev)`);
  }
  const profile = JSON.parse(fs.readFileSync(source, 'utf8')) as Profile;
  const remove = new Set<string>([...DENIED, ...ENOSYS_CALLS, 'socket']);
  for (const rule of profile.syscalls) {
    if (rule.action === 'SCMP_ACT_ALLOW') rule.names = rule.names.filter((n) => !remove.has(n));
  }
  profile.syscalls = profile.syscalls.filter((r) => r.names.length > 0);
  profile.syscalls.push(
    { names: ['pivot_root'], action: 'SCMP_ACT_ALLOW', comment: 'inner runc pivots into container roots' },
    { names: [...ENOSYS_CALLS], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS, comment: 'runc tolerates ENOSYS for keyrings' },
    {
      names: ['socket'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }],
      comment: 'no AF_VSOCK: it reaches the hypervisor, not the sandbox',
    },
  );
  return JSON.stringify(profile);
}
