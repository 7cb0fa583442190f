/**
 * Builds the CheckContext (checkApi.ts) of one check run from a sandbox: the nodes' inner
 * engines through their filesystems, exec and TCP counts through the sandbox capability.
 */
import type Docker from 'dockerode';
import { NODE_NAMES, type NodeName } from '../common/api.ts';
import { unlessNotFound } from '../engine/notFound.ts';
import { nodeEngine } from '../sandbox/nodeEngine.ts';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { CHECK_TIMEOUT_MS, normalizeRef, TAG, type CheckContext, type ExecOptions, type RegistryClient } from './checkApi.ts';

/** curl's own deadline for one registry call, in seconds; well inside CHECK_TIMEOUT_MS. */
const REGISTRY_CURL_MAX_SECONDS = 2;
/** curl exit codes meaning "nothing (useful) answers there": 7 refused, 22 HTTP ≥ 400, 28 timeout, 52 empty reply, 56 reset. */
const CURL_NO_ANSWER = new Set([7, 22, 28, 52, 56]);

export interface ContextOptions {
  answer?: string;
  signal: AbortSignal;
  /** Epoch ms when the check's time is up; exec's default timeout is what is left. */
  deadline: number;
}

export function createCheckContext(sandboxes: Sandboxes, sandbox: SandboxInfo, opts: ContextOptions): CheckContext {
  const engines = new Map<NodeName, Docker>();
  const node = (name: NodeName) => {
    const n = sandbox.nodes[name];
    if (!n) throw new Error(`sandbox ${sandbox.id} has no node ${name}`);
    return n;
  };
  const exec = (name: NodeName, argv: string[], o: ExecOptions = {}) => {
    node(name);
    const left = Math.max(opts.deadline - Date.now(), 1);
    return sandboxes.exec(sandbox.id, name, argv, { timeoutMs: o.timeoutMs ?? left, ...(o.stdin !== undefined && { stdin: o.stdin }) });
  };
  const engine = (name: NodeName) => {
    let e = engines.get(name);
    if (!e) engines.set(name, (e = nodeEngine(node(name).pid, CHECK_TIMEOUT_MS)));
    return e;
  };
  const nodes = Object.fromEntries(NODE_NAMES.map((n) => [n, { ip: sandbox.nodes[n]?.ip ?? '' }])) as Record<NodeName, { ip: string }>;
  const answer = opts.answer?.trim();
  return {
    sandboxId: sandbox.id,
    nodes,
    answer: answer === '' ? undefined : answer,
    signal: opts.signal,
    engine,
    container(name, container) {
      return unlessNotFound(engine(name).getContainer(container).inspect());
    },
    image(name, ref) {
      return unlessNotFound(engine(name).getImage(ref).inspect());
    },
    async catalogImage(ref) {
      const full = normalizeRef(ref);
      if (!full.startsWith(OFFICIAL_PREFIX) || full.includes('@')) return undefined;
      return sandboxes.catalogImage(full.slice(OFFICIAL_PREFIX.length));
    },
    exec,
    registry(name, port = 5000) {
      return registryClient(
        (path, args = []) => exec(name, ['curl', '-fsS', '--max-time', String(REGISTRY_CURL_MAX_SECONDS), ...args, `http://localhost:${port}${path}`]),
        `${name}:${port}`,
      );
    },
    tcpConnects(from, to, port) {
      return sandboxes.tcpConnects(sandbox.id, from, to, port);
    },
    engineCreates(from, to) {
      return sandboxes.engineCreates(sandbox.id, from, to);
    },
  };
}

type Get = (path: string, curlArgs?: string[]) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

/** The lab's images are official ones: `nginx` is `docker.io/library/nginx:latest`. */
const OFFICIAL_PREFIX = 'docker.io/library/';

/** Manifest types a pull accepts: asked for, the registry answers with the digest a pull records
 * (without them registry:2 may answer with a converted schema 1 manifest and another digest). */
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];

const REPO = /^[a-z0-9][a-z0-9._/-]*$/;

/** The registry v2 API over `curl` run inside the node (the host has no route into sandbox networks). */
export function registryClient(get: Get, where: string): RegistryClient {
  const json = async (path: string): Promise<unknown> => {
    const r = await get(path);
    if (CURL_NO_ANSWER.has(r.exitCode)) return undefined;
    if (r.exitCode !== 0) throw new Error(`curl ${path} on ${where} failed (exit ${r.exitCode}): ${r.stderr.trim() || r.stdout.trim()}`);
    try {
      return JSON.parse(r.stdout);
    } catch {
      throw new Error(`the registry on ${where} answered ${path} with something other than JSON: ${r.stdout.slice(0, 80)}`);
    }
  };
  return {
    async catalog() {
      const body = (await json('/v2/_catalog')) as { repositories?: string[] | null } | undefined;
      if (body === undefined) return undefined;
      return body.repositories ?? [];
    },
    async digest(repo, tag) {
      if (!REPO.test(repo)) throw new TypeError(`registry.digest: "${repo}" is not a repository name (no host, no tag)`);
      if (!TAG.test(tag)) throw new TypeError(`registry.digest: "${tag}" is not a tag`);
      const path = `/v2/${repo}/manifests/${tag}`;
      const r = await get(path, ['-I', ...MANIFEST_TYPES.flatMap((t) => ['-H', `Accept: ${t}`])]);
      if (CURL_NO_ANSWER.has(r.exitCode)) return undefined;
      if (r.exitCode !== 0) throw new Error(`curl -I ${path} on ${where} failed (exit ${r.exitCode}): ${r.stderr.trim() || r.stdout.trim()}`);
      const digest = /^docker-content-digest:\s*(sha256:[0-9a-f]{64})\s*$/im.exec(r.stdout)?.[1];
      if (!digest) throw new Error(`the registry on ${where} answered HEAD ${path} without a Docker-Content-Digest`);
      return digest;
    },
    async tags(repo) {
      if (!REPO.test(repo)) throw new TypeError(`registry.tags: "${repo}" is not a repository name (no host, no tag)`);
      const body = (await json(`/v2/${repo}/tags/list`)) as { tags?: string[] | null } | undefined;
      if (body === undefined) return undefined;
      return body.tags ?? [];
    },
  };
}
