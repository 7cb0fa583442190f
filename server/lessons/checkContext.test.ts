import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { unlessNotFound } from '../engine/notFound.ts';
import { nodeEngineSocket } from '../sandbox/nodeEngine.ts';
import { createCheckContext, registryClient } from './checkContext.ts';

/** What the fake engines answer: container or image name → inspect result, or an error to reject with. */
const engineState = vi.hoisted(() => ({
  objects: new Map<string, unknown>(),
  sockets: [] as string[],
}));

/** The node engines are dockerode clients on a socket in the node; a fake stands in for them here. */
vi.mock('dockerode', () => {
  const inspect = (key: string) => async () => {
    const v = engineState.objects.get(key);
    if (v instanceof Error) throw v;
    if (v === undefined) throw Object.assign(new Error(`(HTTP code 404) no such object - ${key}`), { statusCode: 404 });
    return v;
  };
  class FakeDocker {
    readonly socketPath: string;
    constructor(opts: { socketPath: string }) {
      this.socketPath = opts.socketPath;
      engineState.sockets.push(opts.socketPath);
    }
    getContainer(name: string) {
      return { inspect: inspect(`${this.socketPath} container ${name}`) };
    }
    getImage(ref: string) {
      return { inspect: inspect(`${this.socketPath} image ${ref}`) };
    }
  }
  return { default: FakeDocker };
});

function httpError(statusCode: number): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode})`), { statusCode });
}

function fakeGet(answers: Record<string, { exitCode: number; stdout?: string; stderr?: string }>) {
  const calls: { path: string; args: string[] }[] = [];
  const get = async (path: string, args: string[] = []) => {
    calls.push({ path, args });
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

  it('reads a tag\'s manifest digest from the headers, asking for the types a pull accepts', async () => {
    const digest = 'sha256:' + 'ab'.repeat(32);
    const { get, calls } = fakeGet({
      '/v2/my-image/manifests/latest': { exitCode: 0, stdout: `HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.distribution.manifest.v2+json\r\nDocker-Content-Digest: ${digest}\r\n\r\n` },
      '/v2/my-image/manifests/nope': { exitCode: 22, stderr: 'curl: (22) 404' },
      '/v2/odd/manifests/latest': { exitCode: 0, stdout: 'HTTP/1.1 200 OK\r\n\r\n' },
    });
    const r = registryClient(get, 'node1:5000');
    expect(await r.digest('my-image', 'latest')).toBe(digest);
    expect(calls.at(-1)!.args).toContain('Accept: application/vnd.docker.distribution.manifest.v2+json');
    expect(await r.digest('my-image', 'nope')).toBeUndefined();
    await expect(r.digest('odd', 'latest')).rejects.toThrow(/without a Docker-Content-Digest/);
    await expect(r.digest('my-image', 'bad tag')).rejects.toThrow(TypeError);
  });

  it('refuses a repository written with host or tag', async () => {
    const r = registryClient(fakeGet({}).get, 'node1:5000');
    await expect(r.tags('localhost:5000/a')).rejects.toThrow(TypeError);
  });
});

describe('unlessNotFound', () => {
  it('passes on what was found', async () => {
    expect(await unlessNotFound(Promise.resolve({ Id: 'abc' }))).toEqual({ Id: 'abc' });
  });

  it('turns the engine\'s 404 into undefined', async () => {
    expect(await unlessNotFound(Promise.reject(httpError(404)))).toBeUndefined();
  });

  it('rejects on any other failure', async () => {
    await expect(unlessNotFound(Promise.reject(httpError(500)))).rejects.toThrow('HTTP code 500');
    await expect(unlessNotFound(Promise.reject(new Error('connect ENOENT /proc/1/root/run/docker.sock')))).rejects.toThrow(/ENOENT/);
    await expect(unlessNotFound(Promise.reject(null))).rejects.toBeNull();
  });
});

describe('createCheckContext: container and image', () => {
  const node = (name: 'node1' | 'remote-docker-engine', pid: number) => ({ name, container: `shiplab-t-${name}`, containerId: name, ip: '10.0.0.2', pid });
  const sandbox = { id: 't', nodes: { node1: node('node1', 101), 'remote-docker-engine': node('remote-docker-engine', 202) } } as SandboxInfo;
  const ctx = () => createCheckContext({} as Sandboxes, sandbox, { signal: new AbortController().signal, deadline: Date.now() + 5_000 });
  const node1 = nodeEngineSocket(101);
  const remote = nodeEngineSocket(202);

  beforeEach(() => {
    engineState.objects.clear();
    engineState.sockets.length = 0;
  });

  it('inspects a container on the node asked for, undefined when it is missing', async () => {
    engineState.objects.set(`${remote} container web`, { Name: '/web' });
    const c = ctx();
    expect(await c.container('remote-docker-engine', 'web')).toEqual({ Name: '/web' });
    expect(await c.container('node1', 'web')).toBeUndefined();
  });

  it('inspects an image the same way', async () => {
    engineState.objects.set(`${node1} image localhost:5000/a:latest`, { Id: 'sha256:1' });
    const c = ctx();
    expect(await c.image('node1', 'localhost:5000/a:latest')).toEqual({ Id: 'sha256:1' });
    expect(await c.image('remote-docker-engine', 'localhost:5000/a:latest')).toBeUndefined();
  });

  it('rejects when the engine fails otherwise', async () => {
    engineState.objects.set(`${node1} container site`, httpError(500));
    await expect(ctx().container('node1', 'site')).rejects.toThrow('HTTP code 500');
  });

  it('reuses one engine client per node', async () => {
    const c = ctx();
    await c.container('node1', 'a');
    await c.image('node1', 'b');
    expect(c.engine('node1')).toBe(c.engine('node1'));
    expect(engineState.sockets).toEqual([node1]);
  });
});
