import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DENIED, DOCKER_DEFAULT_PROFILE, nodeSeccompProfile } from './seccomp.ts';

type Profile = { syscalls: { names: string[]; action: string; errnoRet?: number; args?: unknown[] }[] };

// Docker's profile comes from a Debian package the host bootstrap installs (test/run.sh prepares
// the host before the unit tests); the suite body runs at collection even when skipped, so the
// profile is read in beforeAll, not here.
describe.skipIf(!fs.existsSync(DOCKER_DEFAULT_PROFILE))('node seccomp profile', () => {
  let p: Profile;
  let allowed: Set<string>;
  beforeAll(() => {
    p = JSON.parse(nodeSeccompProfile()) as Profile;
    allowed = new Set(p.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args?.length).flatMap((r) => r.names));
  });
  it('denies the escape-prone calls Docker allows with CAP_SYS_ADMIN', () => {
    for (const n of DENIED) expect(allowed.has(n), n).toBe(false);
  });
  it('answers keyctl with ENOSYS and allows pivot_root, mount and unshare', () => {
    expect(p.syscalls.find((r) => r.names.includes('keyctl'))?.errnoRet).toBe(38);
    for (const n of ['pivot_root', 'mount', 'unshare', 'setns']) expect(allowed.has(n), n).toBe(true);
  });
  it('allows socket only for families other than AF_VSOCK', () => {
    const rules = p.syscalls.filter((r) => r.names.includes('socket'));
    expect(rules).toHaveLength(1);
    expect(rules[0]?.args).toEqual([{ index: 0, value: 40, op: 'SCMP_CMP_NE' }]);
  });
});
