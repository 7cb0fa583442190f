/**
 * The host engine: the one Docker engine Shiplab holds. DOCKER_HOST if set; else an embedded
 * dockerd Shiplab started earlier (reused); else the default socket if something answers there;
 * else, as root on Debian/Ubuntu, Shiplab installs Debian's docker.io and starts its own dockerd
 * with all of its state under the data directory. Shiplab's own dockerd always remaps user
 * namespaces (userns.ts); an engine of the host's own is used as it is and says whether it does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import Docker from 'dockerode';
import { config, dataDir } from '../core/config.ts';
import { logger } from '../core/log.ts';
import { run, must, processAlive, readPid, which } from '../host/run.ts';
import { userNamespaceOf, type EngineInfo, type UserNamespace } from './userns.ts';

const log = logger('engine');

/** dockerd answers /_ping about 1 s after start here; a slow CI machine gets 60 s. */
const ENGINE_START_TIMEOUT_MS = 60_000;
const PING_TIMEOUT_MS = 3_000;

/** Docker's source, for its default seccomp profile (DOCKER_DEFAULT_PROFILE below). */
export const SECCOMP_PACKAGE = 'golang-github-docker-docker-dev';

/** Debian packages the host needs: the engine, the registry binary for the registry image and
 * the mirror, debootstrap for the node image, static busybox, and Docker's seccomp profile. */
export const HOST_PACKAGES = [
  'docker.io',
  'docker-registry',
  'debootstrap',
  'iptables',
  'busybox-static',
  SECCOMP_PACKAGE,
  'e2fsprogs',
  'curl',
  'ca-certificates',
  // The create log: which containers one node made on another's engine (server/host/createLog.ts).
  'tcpdump',
];

/** Docker's default seccomp profile, the one file Shiplab uses of golang-github-docker-docker-dev
 * (the engine's Go source): sandbox/seccomp.ts derives the nodes' profile from it. */
export const DOCKER_DEFAULT_PROFILE = '/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json';
/** Packages needed for one file only, and that file: present, the package counts as installed.
 * The shiplab/server image carries the profile without the package (debootstrap cannot configure
 * its tree of Go -dev dependencies, and nothing else of it is used). */
const NEEDED_FOR_ONE_FILE: Readonly<Record<string, string>> = { [SECCOMP_PACKAGE]: DOCKER_DEFAULT_PROFILE };

/** What the image builds and sandboxes need on the host even when the engine is not Shiplab's
 * own (never docker.io then: it would clash with a host's docker-ce packages). */
export const BUILD_PACKAGES = HOST_PACKAGES.filter((p) => p !== 'docker.io');

export interface Engine {
  docker: Docker;
  /** `unix:///…` or `tcp://…`, for the docker CLI (-H) that terminals spawn. */
  host: string;
  /** The socket path when the engine is local. */
  socketPath?: string;
  embedded: boolean;
  /** The host ids root in its containers maps to; undefined when the engine does not remap
   * (only an engine that is not Shiplab's own: then a node's root is the host's root). */
  userns?: UserNamespace;
}

/** Shiplab's own dockerd remaps every container's root to dockremap's range (created by dockerd
 * in /etc/subuid and /etc/subgid on its first start with it). */
const USERNS_REMAP = '--userns-remap=default';

export function embeddedPaths(root = dataDir()) {
  const dir = path.join(root, 'engine');
  return {
    dir,
    socket: path.join(dir, 'docker.sock'),
    dataRoot: path.join(dir, 'data'),
    execRoot: path.join(dir, 'exec'),
    pidfile: path.join(dir, 'dockerd.pid'),
    log: path.join(dir, 'dockerd.log'),
  };
}

async function ping(docker: Docker): Promise<boolean> {
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, rej) => setTimeout(() => rej(new Error('ping timeout')), PING_TIMEOUT_MS)),
    ]);
    return true;
  } catch {
    return false;
  }
}

function fromHost(host: string): Engine {
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    return { docker: new Docker({ socketPath }), host, socketPath, embedded: false };
  }
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return { docker: new Docker({ host: url.hostname, port: Number(url.port || 2375) }), host, embedded: false };
}

/** The engine with its user namespace remap read from `docker info`. */
async function withUserns(e: Engine): Promise<Engine> {
  return { ...e, userns: userNamespaceOf((await e.docker.info()) as EngineInfo) };
}

/** Finds or starts the host engine. */
export async function ensureEngine(opts: { install?: boolean } = {}): Promise<Engine> {
  const dockerHost = config().dockerHost;
  if (dockerHost) {
    const e = fromHost(dockerHost);
    if (!(await ping(e.docker))) {
      throw new Error(`DOCKER_HOST=${dockerHost} does not answer; start that engine or unset DOCKER_HOST to let Shiplab run its own`);
    }
    await installHostPackages(opts.install ?? true, BUILD_PACKAGES);
    return withUserns(e);
  }
  const p = embeddedPaths();
  const embedded: Engine = { docker: new Docker({ socketPath: p.socket }), host: `unix://${p.socket}`, socketPath: p.socket, embedded: true };
  if (fs.existsSync(p.socket) && (await ping(embedded.docker))) {
    const reused = await withUserns(embedded);
    if (reused.userns) {
      log.info('reusing the embedded engine', { socket: p.socket });
      return reused;
    }
    // Started by a Shiplab from before the remap. Everything on it is Shiplab's, and none of it
    // is seen by the remapped engine (its state lives under <data-root>/<uid>.<gid>), so it is
    // emptied first: its networks' bridges would otherwise stay on the host beside the new ones.
    log.info('the embedded engine runs without a user namespace remap: emptying it and starting it again with one (images are built again once)', { socket: p.socket });
    await emptyEngine(embedded.docker);
    await stopEmbedded();
    await startEmbedded();
    return withUserns(embedded);
  }
  const dflt = fromHost('unix:///var/run/docker.sock');
  if (fs.existsSync('/var/run/docker.sock') && (await ping(dflt.docker))) {
    log.info('using the engine on the default socket', { socket: '/var/run/docker.sock' });
    await installHostPackages(opts.install ?? true, BUILD_PACKAGES);
    return withUserns(dflt);
  }
  await installHostPackages(opts.install ?? true);
  await startEmbedded();
  return withUserns(embedded);
}

/** Networks every engine has and none can remove. */
const PREDEFINED_NETWORKS = new Set(['bridge', 'host', 'none']);

/** Removes every container, network and image of Shiplab's own engine. */
async function emptyEngine(docker: Docker): Promise<void> {
  for (const c of await docker.listContainers({ all: true })) await docker.getContainer(c.Id).remove({ force: true, v: true });
  for (const n of await docker.listNetworks()) if (!PREDEFINED_NETWORKS.has(n.Name)) await docker.getNetwork(n.Id).remove();
  for (const i of await docker.listImages()) {
    await docker.getImage(i.Id).remove({ force: true }).catch((err: { statusCode?: number }) => {
      // 404: it went with an image removed before it.
      if (err.statusCode !== 404) throw err;
    });
  }
}

/** True when everything the embedded engine and the image builds need is on the host. */
async function missingPackages(packages: readonly string[]): Promise<string[]> {
  const r = await run('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...packages]);
  const installed = new Set(
    r.stdout.split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]),
  );
  return packages.filter((p) => !installed.has(p) && !(NEEDED_FOR_ONE_FILE[p] && fs.existsSync(NEEDED_FOR_ONE_FILE[p])));
}

/**
 * Installs the Debian packages Shiplab needs on the host (the engine itself only when it runs its
 * own). Shiplab builds its images from Debian packages and sets sandbox limits and firewall rules
 * on the host, so it needs a Debian/Ubuntu Linux host either way.
 */
/** A fresh machine often runs apt already (unattended-upgrades, a provisioning script): wait for
 * its lock rather than fail at once. 5 minutes covers an upgrade run; longer is a stuck apt. */
const APT_WAIT_FOR_LOCK = ['-o', 'DPkg::Lock::Timeout=300'];

export async function installHostPackages(allowInstall = true, packages: readonly string[] = HOST_PACKAGES): Promise<void> {
  const ownEngine = packages.includes('docker.io');
  if (process.platform !== 'linux') {
    throw new Error(`Shiplab runs its sandboxes on a Linux host (it sets cgroup limits and firewall rules there); ${process.platform} is not supported`);
  }
  if (!(await which('dpkg-query')) || !(await which('apt-get'))) {
    throw new Error(
      ownEngine
        ? 'no Docker engine answers and this is not a Debian/Ubuntu host: install Docker and start it, or set DOCKER_HOST to a running engine'
        : `Shiplab builds its images from Debian packages and needs a Debian/Ubuntu host with: ${packages.join(' ')}`,
    );
  }
  const missing = await missingPackages(packages);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      ownEngine
        ? `no Docker engine answers and Shiplab is not root, so it cannot install one: run as root, or install ${missing.join(' ')} and start dockerd (or set DOCKER_HOST)`
        : `Shiplab needs these Debian packages and is not root, so it cannot install them: apt-get install ${missing.join(' ')}`,
    );
  }
  if (!allowInstall) throw new Error(`missing host packages: ${missing.join(' ')}; install them with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log.info('installing host packages from the distribution (one time)', { packages: missing.join(',') });
  log.info('apt-get update');
  await must('apt-get', ['update', '-q', ...APT_WAIT_FOR_LOCK], { env });
  log.info('apt-get install', { packages: missing.join(',') });
  // policy-rc.d stops Debian's postinst from starting the system docker service: Shiplab runs its own.
  const policy = '/usr/sbin/policy-rc.d';
  const hadPolicy = fs.existsSync(policy);
  if (!hadPolicy) fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    await must('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...APT_WAIT_FOR_LOCK, ...missing], { env });
  } finally {
    if (!hadPolicy) fs.rmSync(policy, { force: true });
  }
  log.info('host packages installed');
}

async function startEmbedded(): Promise<void> {
  const p = embeddedPaths();
  for (const d of [p.dir, p.dataRoot, p.execRoot]) fs.mkdirSync(d, { recursive: true });
  fs.rmSync(p.socket, { force: true });
  const oldPid = readPid(p.pidfile);
  if (oldPid && processAlive(oldPid)) {
    throw new Error(`an embedded dockerd (pid ${oldPid}) is running but its socket ${p.socket} does not answer; stop it (kill ${oldPid}) and start again`);
  }
  fs.rmSync(p.pidfile, { force: true });
  const dockerd = (await which('dockerd')) ?? '/usr/sbin/dockerd';
  log.info('starting the embedded dockerd', { socket: p.socket, log: p.log });
  const out = fs.openSync(p.log, 'a');
  const child = spawn(
    dockerd,
    [
      '--data-root', p.dataRoot,
      '--exec-root', p.execRoot,
      '--pidfile', p.pidfile,
      '-H', `unix://${p.socket}`,
      // Sandboxes get their own networks; the default bridge would only be a path between them.
      '--bridge=none',
      // Root in every container (a learner's root in a node) is an unprivileged host uid.
      USERNS_REMAP,
      '--log-level=warn',
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  fs.closeSync(out);
  const docker = new Docker({ socketPath: p.socket });
  const deadline = Date.now() + ENGINE_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (fs.existsSync(p.socket) && (await ping(docker))) {
      log.info('embedded dockerd ready', { pid: child.pid });
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const tail = fs.readFileSync(p.log, 'utf8').trim().split('\n').slice(-10).join('\n');
  throw new Error(`the embedded dockerd did not become ready; its log (${p.log}) ends with:\n${tail}`);
}


/** Stops the embedded dockerd Shiplab started (by its pidfile), waiting for it to exit. */
export async function stopEmbedded(): Promise<boolean> {
  const p = embeddedPaths();
  const pid = readPid(p.pidfile);
  if (!pid || !processAlive(pid)) return false;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 150 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 200));
  return true;
}
