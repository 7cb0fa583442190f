/**
 * The mirror: a read-only registry:2 container on the host engine serving the learner images
 * as library/<name>, the way Docker Hub serves them. Sandbox engines use it as their
 * registry mirror, so `docker run nginx` in a sandbox pulls from here.
 *
 * Its storage is written on disk by Shiplab (mirrorStore.ts) from `docker save` output, then
 * bound read-only into the container; no writable registry ever exists.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type Dockerode from 'dockerode';
import { dataDir } from '../core/config.ts';
import { logger } from '../core/log.ts';
import { unlessNotFound } from '../engine/notFound.ts';
import { withBuildLock } from './buildLock.ts';
import { addRepository, makeReadableByAll } from './mirrorStore.ts';
import { RECIPE_LABEL, splitTag, type Recipe } from './recipe.ts';
import { removeTree } from './rootfs.ts';

const log = logger('images');

export const MIRROR_CONTAINER = 'shiplab-mirror';
export const MIRROR_PORT = 5000;
/**
 * The mirror's own network: the engine runs with --bridge=none, and a container on network
 * "none" cannot be connected to other networks later. Internal: it reaches nothing outside.
 * The sandbox code connects the mirror to each sandbox network besides.
 */
export const MIRROR_NETWORK = 'shiplab-mirror';
export const ROLE_LABEL = 'shiplab.role';

/** Bump when the store layout code changes: every store is rewritten once. */
const STORE_FORMAT = 1;
/** Bump when the container spec below changes: the container is recreated once. */
const CONTAINER_SPEC = 3;
const STAMP_FILE = 'shiplab-store.json';
/** The registry answers /v2/ about 100 ms after start; a loaded machine gets far longer. */
const READY_TIMEOUT_MS = 20_000;
/** Docker's stop grace for the registry: it has no requests worth waiting for. */
const STOP_TIMEOUT_S = 2;
/** Bounds of the mirror container: it serves static files, nothing more. */
const MIRROR_MEMORY_BYTES = 256 * 1024 * 1024;
const MIRROR_PIDS = 256;

export function mirrorStoreDir(): string {
  return path.join(dataDir(), 'mirror');
}

interface StoreStamp {
  format: number;
  /** Image id per mirrored recipe name. */
  images: Record<string, string>;
}

function hashOf(v: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);
}

async function imageId(docker: Dockerode, ref: string): Promise<string> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) throw new Error(`image ${ref} is missing; run ensureImages before ensureMirror`);
    throw err;
  }
}

function readStamp(store: string): StoreStamp | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(store, STAMP_FILE), 'utf8')) as StoreStamp;
  } catch {
    // No stamp (first run, or a half-written store from a crash): the store is rebuilt.
    return undefined;
  }
}

function sameStamp(a: StoreStamp | undefined, b: StoreStamp): boolean {
  return !!a && hashOf(a) === hashOf(b);
}

/** `docker save` of one image, unpacked into dir. */
async function saveImage(docker: Dockerode, ref: string, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const stream = await docker.getImage(ref).get();
  const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  tar.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<number>((resolve) => tar.on('close', (c) => resolve(c ?? 1)));
  stream.on('error', (e: Error) => {
    err += `docker save: ${e.message}`;
    tar.kill('SIGKILL');
  });
  stream.pipe(tar.stdin);
  const code = await done;
  if (code !== 0) throw new Error(`unpacking docker save of ${ref} failed: ${err.trim()}`);
}

/** Writes a complete new store for the mirrored recipes next to the live one; returns its path. */
async function buildStore(docker: Dockerode, recipes: Recipe[], stamp: StoreStamp): Promise<string> {
  const store = mirrorStoreDir();
  const next = `${store}.new`;
  await removeTree(next);
  fs.mkdirSync(next, { recursive: true });
  const start = Date.now();
  const secs = () => `${((Date.now() - start) / 1000).toFixed(1)}s`;
  for (const r of recipes) {
    const first = r.tags[0]!;
    const { repo } = splitTag(first);
    const tags = r.tags.map((t) => splitTag(t).tag);
    const saveDir = path.join(next, `.save-${r.name}`);
    log.info(`mirror: adding library/${repo}`, { tags: tags.join(','), elapsed: secs() });
    await saveImage(docker, first, saveDir);
    await addRepository(next, `library/${repo}`, tags, saveDir);
    await removeTree(saveDir);
  }
  fs.writeFileSync(path.join(next, STAMP_FILE), JSON.stringify(stamp, null, 2));
  log.info('mirror: store written', { elapsed: secs() });
  return next;
}

async function ensureNetwork(docker: Dockerode): Promise<void> {
  const found = await docker.listNetworks({ filters: { name: [MIRROR_NETWORK] } });
  if (found.some((n) => n.Name === MIRROR_NETWORK)) return;
  await docker.createNetwork({ Name: MIRROR_NETWORK, Driver: 'bridge', Internal: true, Labels: { [ROLE_LABEL]: 'mirror' } });
}

function inspectOrUndefined(docker: Dockerode, name: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
  return unlessNotFound(docker.getContainer(name).inspect());
}

function createSpec(image: string, specHash: string): Dockerode.ContainerCreateOptions {
  return {
    name: MIRROR_CONTAINER,
    Image: image,
    // nobody: the store is world-readable (makeReadableByAll), and the registry needs no
    // privilege to serve it. Under the engine's user namespace remap this is a host uid of the
    // remapped range (dockremap's start + 65534), which owns nothing on the host.
    User: '65534:65534',
    Env: [
      'REGISTRY_STORAGE_MAINTENANCE_READONLY={"enabled": true}',
      'REGISTRY_STORAGE_DELETE_ENABLED=false',
      `REGISTRY_HTTP_ADDR=:${MIRROR_PORT}`,
      // Every pull of every sandbox would otherwise be an info line in the host engine's logs.
      'REGISTRY_LOG_LEVEL=warn',
      'REGISTRY_LOG_ACCESSLOG_DISABLED=true',
    ],
    Labels: { [ROLE_LABEL]: 'mirror', [RECIPE_LABEL]: specHash },
    HostConfig: {
      Binds: [`${mirrorStoreDir()}:/var/lib/registry:ro`],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      NetworkMode: MIRROR_NETWORK,
      // The mirror sits on every sandbox network. A network namespace starts with forwarding
      // on here, which would let a learner (root, NET_ADMIN in the node) route packets through
      // the mirror into another sandbox's network. It forwards nothing.
      Sysctls: { 'net.ipv4.ip_forward': '0', 'net.ipv6.conf.all.forwarding': '0' },
      RestartPolicy: { Name: 'unless-stopped' },
      Memory: MIRROR_MEMORY_BYTES,
      PidsLimit: MIRROR_PIDS,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
    },
  };
}

/** The mirror's address on its own network (the host can reach it there). */
export function mirrorAddress(info: Dockerode.ContainerInspectInfo): string | undefined {
  return info.NetworkSettings.Networks[MIRROR_NETWORK]?.IPAddress || undefined;
}

function getStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

async function waitReady(docker: Dockerode): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const info = await docker.getContainer(MIRROR_CONTAINER).inspect();
    const ip = mirrorAddress(info);
    if (ip && (await getStatus(`http://${ip}:${MIRROR_PORT}/v2/`, 1_000)) === 200) return;
    if (!info.State.Running && !info.State.Restarting) {
      throw new Error(`the mirror container ${MIRROR_CONTAINER} exited (${info.State.ExitCode}); see docker logs ${MIRROR_CONTAINER}`);
    }
    if (Date.now() > deadline) throw new Error(`the mirror ${MIRROR_CONTAINER} did not answer /v2/ within ${READY_TIMEOUT_MS / 1000} s; see docker logs ${MIRROR_CONTAINER}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Networks (other than its own) the old container was on, with its addresses there, to carry over. */
function carriedNetworks(info: Dockerode.ContainerInspectInfo): { name: string; ip?: string; aliases?: string[] }[] {
  return Object.entries(info.NetworkSettings.Networks)
    .filter(([name]) => name !== MIRROR_NETWORK)
    .map(([name, n]) => ({ name, ip: n.IPAMConfig?.IPv4Address || undefined, aliases: n.Aliases?.filter((a: string) => !info.Id.startsWith(a)) }));
}

/**
 * Makes the mirror serve the current learner images: rewrites its store when any of them
 * changed (and restarts it), recreates the container when its spec changed (keeping its
 * sandbox network attachments), starts it when stopped. Call after ensureImages.
 */
export async function ensureMirror(docker: Dockerode, mirrored: Recipe[]): Promise<{ container: string; id: string }> {
  const images: Record<string, string> = {};
  for (const r of mirrored) images[r.name] = await imageId(docker, r.tags[0]!);
  const registry = mirrored.find((r) => r.name === 'registry');
  if (!registry) throw new Error('the mirror needs the registry recipe among the mirrored images');
  const stamp: StoreStamp = { format: STORE_FORMAT, images };
  const specHash = hashOf({ spec: CONTAINER_SPEC, image: images.registry, store: mirrorStoreDir() });
  const registryRef = registry.tags[0]!;

  const fast = await inspectOrUndefined(docker, MIRROR_CONTAINER);
  if (fast?.State.Running && fast.Config.Labels?.[RECIPE_LABEL] === specHash && sameStamp(readStamp(mirrorStoreDir()), stamp)) {
    return { container: MIRROR_CONTAINER, id: fast.Id };
  }

  return withBuildLock(path.join(dataDir(), 'cache', 'images.lock'), log, async () => {
    const store = mirrorStoreDir();
    let existing = await inspectOrUndefined(docker, MIRROR_CONTAINER);
    if (!sameStamp(readStamp(store), stamp)) {
      const next = await buildStore(docker, mirrored, stamp);
      if (existing?.State.Running) await docker.getContainer(MIRROR_CONTAINER).stop({ t: STOP_TIMEOUT_S });
      const old = `${store}.old`;
      await removeTree(old);
      if (fs.existsSync(store)) fs.renameSync(store, old);
      fs.renameSync(next, store);
      await removeTree(old);
      existing = await inspectOrUndefined(docker, MIRROR_CONTAINER);
    }
    const fixed = makeReadableByAll(store);
    if (fixed) log.info('mirror: made its store readable by every uid', { modesChanged: fixed });
    await ensureNetwork(docker);
    let carry: ReturnType<typeof carriedNetworks> = [];
    if (existing && existing.Config.Labels?.[RECIPE_LABEL] !== specHash) {
      log.info('mirror: recreating its container (its image or spec changed)');
      carry = carriedNetworks(existing);
      await docker.getContainer(MIRROR_CONTAINER).remove({ force: true });
      existing = undefined;
    }
    const c = existing ? docker.getContainer(MIRROR_CONTAINER) : await docker.createContainer(createSpec(registryRef, specHash));
    for (const n of carry) {
      try {
        await docker.getNetwork(n.name).connect({ Container: c.id, EndpointConfig: { IPAMConfig: n.ip ? { IPv4Address: n.ip } : undefined, Aliases: n.aliases } });
      } catch (err) {
        // The sandbox (and its network) may have gone meanwhile; its owner reconnects live ones.
        log.warn('mirror: could not reattach a sandbox network', { network: n.name, error: err });
      }
    }
    const info = await c.inspect();
    // A restarting container is the restart policy at work: starting it again would only fail.
    if (!info.State.Running && !info.State.Restarting) {
      log.info('mirror: starting', { container: MIRROR_CONTAINER });
      await c.start();
    }
    await waitReady(docker);
    log.info('mirror: ready', { container: MIRROR_CONTAINER, address: mirrorAddress(await c.inspect()) });
    return { container: MIRROR_CONTAINER, id: info.Id };
  });
}
