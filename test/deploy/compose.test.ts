/**
 * docker-compose.yml, as an operator runs it: Debian's docker-compose against the engine Shiplab
 * itself started on this machine (the test's "host engine"), the shiplab/server image built by
 * `npm run shiplab -- server-image`, and inside it the embedded engine that builds the lab's
 * images and runs the sandboxes. `up`, the page answers, a learner's sandbox starts, a check
 * passes through a real terminal, `/metrics` counts it, and `down -v` leaves no container,
 * network, volume, loop device or cgroup behind on the host.
 *
 * One addition to the file, in an override: the host's Debian package cache is mounted into the
 * container, so the embedded engine's image builds do not download the same packages again.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDir, ROOT } from '../../server/core/config.ts';
import { ensureEngine, type Engine } from '../../server/engine/engine.ts';
import { LabClient } from '../../server/robot/labClient.ts';
import { checkUntil } from '../../server/robot/stepDriver.ts';
import { TermClient } from '../../server/robot/termClient.ts';

const PROJECT = `shiplab-compose-test-${process.pid}`;
const ADMIN = 'compose-test-admin-secret-0123456789';
/** The server in the container starts its engine and builds the lab's images first (~3 min cold). */
const READY_TIMEOUT_MS = 15 * 60_000;
const POLL_MS = 2_000;
/** One probe's answer: docker's port proxy accepts a connection before the server in the
 * container listens and may hold it open without a word. */
const PROBE_TIMEOUT_MS = 5_000;

let engine: Engine;
let url = '';
let override = '';
let env: NodeJS.ProcessEnv = {};
let loopsBefore: string[] = [];
let serverContainer = '';
let down = false;

function compose(args: string[], timeoutMs = 10 * 60_000): { status: number; out: string } {
  const r = spawnSync('docker-compose', ['-p', PROJECT, '-f', path.join(ROOT, 'docker-compose.yml'), '-f', override, ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function docker(args: string[]): string {
  const r = spawnSync('docker', ['-H', engine.host, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Loop devices in use on the host, as `losetup -a` lists them (one line each). */
function loops(): string[] {
  return spawnSync('losetup', ['-a'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  let shown = 0;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = String((err as Error).cause ?? err);
    }
    // Progress of the start (engine, image builds) from the server's own log, every ~30 s.
    if (Date.now() - shown > 30_000) {
      shown = Date.now();
      const tail = compose(['logs', '--no-color', '--tail', '3', 'shiplab']).out.trim().split('\n').slice(-3).join('\n  ');
      console.log(`compose: waiting for ${url}/readyz (${last.slice(0, 120)})\n  ${tail}`);
    }
    await sleep(POLL_MS);
  }
  throw new Error(`the Shiplab container was not ready within ${READY_TIMEOUT_MS / 60_000} min: ${last}\n${compose(['logs', '--no-color', '--tail', '40']).out}`);
}

describe('docker-compose.yml, embedded engine', () => {
  beforeAll(async () => {
    engine = await ensureEngine();
    const built = spawnSync('npm', ['run', '-s', 'shiplab', '--', 'server-image'], { cwd: ROOT, stdio: 'inherit', timeout: 15 * 60_000 });
    expect(built.status, 'npm run shiplab -- server-image').toBe(0);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-compose-'));
    override = path.join(work, 'cache.yml');
    const debs = path.join(dataDir(), 'cache', 'debs');
    fs.mkdirSync(debs, { recursive: true });
    fs.writeFileSync(override, `services:\n  shiplab:\n    volumes:\n      - ${debs}:/var/lib/shiplab/cache/debs\n`);
    env = { ...process.env, DOCKER_HOST: engine.host.startsWith('/') ? `unix://${engine.host}` : engine.host, SHIPLAB_ADMIN_TOKEN: ADMIN, SHIPLAB_PORT: String(port) };
    loopsBefore = loops();
    const up = compose(['up', '-d']);
    expect(up.status, `docker-compose up -d:\n${up.out}`).toBe(0);
    serverContainer = docker(['ps', '-q', '--no-trunc', '--filter', `label=com.docker.compose.project=${PROJECT}`]);
    await waitReady();
  }, READY_TIMEOUT_MS + 20 * 60_000);

  afterAll(() => {
    if (!down && override) compose(['down', '-v', '--timeout', '60']);
  });

  it('serves the page and reports health', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Shiplab');
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status, 'metrics need the admin secret').toBe(401);
  });

  it('starts a sandbox in its embedded engine and passes a check through a terminal', async () => {
    const lab = await LabClient.open(url);
    const status = await lab.startSandbox('welcome', undefined, { timeoutMs: 10 * 60_000 });
    expect(status.state).toBe('ready');
    const term = await TermClient.connect(lab, 'node1');
    try {
      await term.run('docker run --name hello busybox echo hello', { timeoutMs: 120_000 });
      const { result, ok } = await checkUntil(() => lab.check('welcome', 0), (r) => r.passed);
      expect(ok, JSON.stringify(result)).toBe(true);
    } finally {
      term.close();
    }
    // The sandbox's nodes run in the embedded engine, not beside the container on the host.
    expect(docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`]).split('\n').filter(Boolean)).toHaveLength(1);
    const metrics = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/shiplab_checks_total\{lesson="welcome",step="1",status="passed"/);
  });

  it('down -v leaves nothing behind', () => {
    const r = compose(['down', '-v', '--timeout', '60']);
    down = true;
    expect(r.status, `docker-compose down -v:\n${r.out}`).toBe(0);
    const label = `label=com.docker.compose.project=${PROJECT}`;
    expect(docker(['ps', '-aq', '--filter', label]), 'containers').toBe('');
    expect(docker(['network', 'ls', '-q', '--filter', label]), 'networks').toBe('');
    expect(docker(['volume', 'ls', '-q', '--filter', label]), 'volumes').toBe('');
    expect(loops(), 'loop devices in use').toEqual(loopsBefore);
    // The container's cgroups (and the sandboxes' below them) are gone from every hierarchy.
    const cgroups = spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '4', '-type', 'd', '-name', `${serverContainer}*`], { encoding: 'utf8' }).stdout.trim();
    expect(serverContainer).toMatch(/^[0-9a-f]{64}$/);
    expect(cgroups, 'cgroups of the Shiplab container').toBe('');
  });
});
