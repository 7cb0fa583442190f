import { describe, expect, it } from 'vitest';
import { firstRange, isRemapped, userNamespaceOf } from './userns.ts';

const REMAPPED = ['name=seccomp,profile=default', 'name=userns'];

describe('the engine user namespace remap', () => {
  it('is read from the security options', () => {
    expect(isRemapped({ SecurityOptions: REMAPPED })).toBe(true);
    expect(isRemapped({ SecurityOptions: ['name=seccomp,profile=default'] })).toBe(false);
    expect(isRemapped({})).toBe(false);
    expect(userNamespaceOf({ SecurityOptions: ['name=seccomp,profile=default'], DockerRootDir: '/var/lib/docker' })).toBeUndefined();
  });

  it('takes the ids from the remapped root directory, whatever the remap user', () => {
    const none = () => '';
    expect(userNamespaceOf({ SecurityOptions: REMAPPED, DockerRootDir: '/x/engine/data/100000.100000' }, none)).toEqual({ uid: 100000, gid: 100000 });
    expect(userNamespaceOf({ SecurityOptions: REMAPPED, DockerRootDir: '/var/lib/docker/231072.231073' }, none)).toEqual({ uid: 231072, gid: 231073 });
  });

  it("falls back to dockremap's ranges, and says so when there are none", () => {
    const files: Record<string, string> = { '/etc/subuid': 'alice:100000:65536\ndockremap:165536:65536\n', '/etc/subgid': 'dockremap:200000:65536\n' };
    expect(userNamespaceOf({ SecurityOptions: REMAPPED, DockerRootDir: '/var/lib/docker' }, (f) => files[f] ?? '')).toEqual({ uid: 165536, gid: 200000 });
    expect(() => userNamespaceOf({ SecurityOptions: REMAPPED, DockerRootDir: '/var/lib/docker' }, () => '')).toThrow(/--userns-remap=default/);
  });

  it('reads the first range of a user, skipping broken lines', () => {
    expect(firstRange('dockremap:x:1\ndockremap:100000:0\ndockremap:300000:65536\n', 'dockremap')).toBe(300000);
    expect(firstRange('other:1:2', 'dockremap')).toBeUndefined();
  });
});
