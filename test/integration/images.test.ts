/**
 * The image catalog against the real host engine: builds are cached, each learner image does
 * what its Docker Hub namesake does, and the mirror serves them read-only.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEngine } from '../../server/engine/engine.ts';
import { ensureImages, ensureMirror, LEARNER_RECIPES, MIRROR_CONTAINER, MIRROR_NETWORK, MIRROR_PORT, NODE_IMAGE, staleImages, type ImageProgress } from '../../server/images/catalog.ts';

/** Everything this suite creates carries this label, so afterAll can prove nothing is left. */
const TEST_LABEL = { 'shiplab.test': 'images' };
/** A learner image's server answers within a second here; a loaded machine gets ten. */
const SERVE_TIMEOUT_MS = 10_000;

let docker: Dockerode;
let network: Dockerode.Network;

interface Reply {
  status: number;
  body: Buffer;
}

function request(url: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, timeout: 2_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls url until it answers 200, then returns the body. */
async function untilServed(url: string): Promise<string> {
  const deadline = Date.now() + SERVE_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const r = await request(url);
      if (r.status === 200) return r.body.toString();
      last = `status ${r.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200 within ${SERVE_TIMEOUT_MS} ms (last: ${last})`);
}

/** Runs a command to its end in a fresh container; returns exit code and output. */
async function runToEnd(image: string, cmd?: string[]): Promise<{ code: number; out: string }> {
  const c = await docker.createContainer({ Image: image, Cmd: cmd, Labels: TEST_LABEL, HostConfig: { NetworkMode: 'none' } });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const logs = (await c.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    // Non-tty logs are framed: 8-byte headers before each chunk.
    let out = '';
    for (let i = 0; i + 8 <= logs.length; ) {
      const n = logs.readUInt32BE(i + 4);
      out += logs.subarray(i + 8, i + 8 + n).toString();
      i += 8 + n;
    }
    return { code: StatusCode, out };
  } finally {
    await c.remove({ force: true });
  }
}

/** Starts a long-running container of image on the suite's network; returns its address. */
async function serve(image: string): Promise<{ c: Dockerode.Container; ip: string }> {
  const c = await docker.createContainer({ Image: image, Labels: TEST_LABEL, HostConfig: { NetworkMode: network.id } });
  await c.start();
  const info = await c.inspect();
  const ip = Object.values(info.NetworkSettings.Networks)[0]?.IPAddress;
  if (!ip) throw new Error(`${image} got no address on the test network`);
  return { c, ip };
}

async function mirrorIp(): Promise<string> {
  const info = await docker.getContainer(MIRROR_CONTAINER).inspect();
  const ip = info.NetworkSettings.Networks[MIRROR_NETWORK]?.IPAddress;
  if (!ip) throw new Error(`${MIRROR_CONTAINER} has no address on ${MIRROR_NETWORK}`);
  return ip;
}

beforeAll(async () => {
  docker = (await ensureEngine()).docker;
  await ensureImages(docker);
  await ensureMirror(docker);
  // Internal: the host reaches the containers, the containers reach nothing outside.
  network = await docker.createNetwork({ Name: `shiplab-test-images-${process.pid}`, Internal: true, Labels: TEST_LABEL });
});

afterAll(async () => {
  if (!docker) return;
  for (const c of await docker.listContainers({ all: true, filters: { label: ['shiplab.test=images'] } })) {
    await docker.getContainer(c.Id).remove({ force: true });
  }
  await network?.remove();
  const left = [
    ...(await docker.listContainers({ all: true, filters: { label: ['shiplab.test=images'] } })),
    ...(await docker.listNetworks({ filters: { label: ['shiplab.test=images'] } })),
  ];
  expect(left).toEqual([]);
});

describe('image catalog', () => {
  it('builds nothing when no recipe changed', async () => {
    const tags = [...LEARNER_RECIPES.flatMap((r) => r.tags), NODE_IMAGE];
    const before = await Promise.all(tags.map(async (t) => (await docker.getImage(t).inspect()).Id));
    const events: ImageProgress[] = [];
    await ensureImages(docker, (p) => events.push(p));
    expect(events).toEqual([]);
    expect(await staleImages(docker)).toEqual([]);
    const after = await Promise.all(tags.map(async (t) => (await docker.getImage(t).inspect()).Id));
    expect(after).toEqual(before);
    const mirror = (await docker.getContainer(MIRROR_CONTAINER).inspect()).Id;
    expect((await ensureMirror(docker)).id).toBe(mirror);
  });

  it('busybox runs its applets', async () => {
    expect(await runToEnd('busybox', ['echo', 'hello from busybox'])).toEqual({ code: 0, out: 'hello from busybox\n' });
    expect((await docker.getImage('busybox').inspect()).Config.Cmd).toEqual(['sh']);
  });

  it('debian is Debian 12 with bash as its command', async () => {
    const r = await runToEnd('debian:bookworm', ['cat', '/etc/debian_version']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^12\.\d+/);
    for (const tag of ['debian:bookworm-slim', 'debian:latest']) {
      expect((await docker.getImage(tag).inspect()).Id).toBe((await docker.getImage('debian:bookworm').inspect()).Id);
    }
    expect((await docker.getImage('debian').inspect()).Config.Cmd).toEqual(['bash']);
  });

  it('registry:2 serves the distribution API on 5000', async () => {
    const { ip } = await serve('registry:2');
    expect(JSON.parse(await untilServed(`http://${ip}:5000/v2/`))).toEqual({});
    expect((await docker.getImage('registry:latest').inspect()).Id).toBe((await docker.getImage('registry:2').inspect()).Id);
  });

  it('nginx serves its welcome page in the foreground, stop signal SIGQUIT', async () => {
    const { c, ip } = await serve('nginx');
    expect(await untilServed(`http://${ip}/`)).toContain('<title>Welcome to nginx!</title>');
    const config = (await docker.getImage('nginx').inspect()).Config;
    expect(config.Cmd).toEqual(['nginx', '-g', 'daemon off;']);
    expect((config as { StopSignal?: string }).StopSignal).toBe('SIGQUIT');
    expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['80/tcp']);
    // The access log is the container's stdout, as with the upstream image.
    const logs = ((await c.logs({ stdout: true })) as unknown as Buffer).toString();
    expect(logs).toContain('"GET / HTTP/1.1" 200');
  });

  it('the mirror serves every learner image as library/<name>, digests matching the local images', async () => {
    const base = `http://${await mirrorIp()}:${MIRROR_PORT}/v2`;
    const catalog = JSON.parse(await untilServed(`${base}/_catalog`)) as { repositories: string[] };
    expect(catalog.repositories).toEqual(expect.arrayContaining(['library/busybox', 'library/debian', 'library/nginx', 'library/registry']));
    for (const r of LEARNER_RECIPES) {
      for (const ref of r.tags) {
        const [repo, tag] = ref.split(':') as [string, string];
        const m = await request(`${base}/library/${repo}/manifests/${tag}`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
        expect(m.status, ref).toBe(200);
        const manifest = JSON.parse(m.body.toString()) as { config: { digest: string } };
        // The config blob's digest is the image id: a pull through the mirror gives the very same image.
        expect(manifest.config.digest, ref).toBe((await docker.getImage(ref).inspect()).Id);
      }
    }
    const bb = JSON.parse((await request(`${base}/library/busybox/manifests/latest`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } })).body.toString()) as { layers: { digest: string; size: number }[] };
    const layer = await request(`${base}/library/busybox/blobs/${bb.layers[0]!.digest}`);
    expect(layer.body.length).toBe(bb.layers[0]!.size);
    expect('sha256:' + crypto.createHash('sha256').update(layer.body).digest('hex')).toBe(bb.layers[0]!.digest);
  });

  it('the mirror refuses pushes and deletes', async () => {
    const base = `http://${await mirrorIp()}:${MIRROR_PORT}/v2`;
    expect((await request(`${base}/library/busybox/blobs/uploads/`, { method: 'POST' })).status).toBe(405);
    expect((await request(`${base}/library/busybox/manifests/latest`, { method: 'DELETE' })).status).toBe(405);
  });

  it('the mirror runs locked down', async () => {
    const info = await docker.getContainer(MIRROR_CONTAINER).inspect();
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.PortBindings ?? {}).toEqual({});
    expect(info.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect(info.HostConfig.Sysctls).toMatchObject({ 'net.ipv4.ip_forward': '0' });
    expect(info.Config.Labels['shiplab.role']).toBe('mirror');
    expect(info.Mounts.find((m) => m.Destination === '/var/lib/registry')?.RW).toBe(false);
  });
});
