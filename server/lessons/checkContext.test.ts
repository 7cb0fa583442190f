import { describe, expect, it } from 'vitest';
import { nodeEngineSocket, registryClient } from './checkContext.ts';

function fakeGet(answers: Record<string, { exitCode: number; stdout?: string; stderr?: string }>) {
  const calls: string[] = [];
  const get = async (path: string) => {
    calls.push(path);
    const a = answers[path] ?? { exitCode: 7, stderr: 'curl: (7) Failed to connect' };
    return { exitCode: a.exitCode, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
  };
  return { get, calls };
}

describe('registryClient', () => {
  it('lists repositories and tags', async () => {
    const { get } = fakeGet({
      '/v2/_catalog': { exitCode: 0, stdout: '{"repositories":["my-image","team/app"]}' },
      '/v2/my-image/tags/list': { exitCode: 0, stdout: '{"name":"my-image","tags":["latest","1.0"]}' },
      '/v2/empty/tags/list': { exitCode: 0, stdout: '{"name":"empty","tags":null}' },
    });
    const r = registryClient(get, 'node1:5000');
    expect(await r.catalog()).toEqual(['my-image', 'team/app']);
    expect(await r.tags('my-image')).toEqual(['latest', '1.0']);
    expect(await r.tags('empty')).toEqual([]);
  });

  it('says undefined when nothing answers or the repository is unknown', async () => {
    const { get } = fakeGet({ '/v2/nope/tags/list': { exitCode: 22, stderr: 'curl: (22) 404' } });
    const r = registryClient(get, 'node1:5000');
    expect(await r.catalog()).toBeUndefined();
    expect(await r.tags('nope')).toBeUndefined();
  });

  it('throws when curl is missing or the answer is not JSON', async () => {
    const { get } = fakeGet({
      '/v2/_catalog': { exitCode: 127, stderr: 'curl: not found' },
      '/v2/a/tags/list': { exitCode: 0, stdout: '<html>' },
    });
    const r = registryClient(get, 'node1:5000');
    await expect(r.catalog()).rejects.toThrow(/exit 127.*curl: not found/);
    await expect(r.tags('a')).rejects.toThrow(/other than JSON/);
  });

  it('refuses a repository written with host or tag', async () => {
    const r = registryClient(fakeGet({}).get, 'node1:5000');
    await expect(r.tags('localhost:5000/a')).rejects.toThrow(TypeError);
  });
});

describe('nodeEngineSocket', () => {
  it('goes through the node root to /run, not /var/run', () => {
    expect(nodeEngineSocket(1234)).toBe('/proc/1234/root/run/docker.sock');
  });
});
