/**
 * The lesson author's whole API. A step's check (`NN-slug.check.ts`) imports it as `#check`:
 *
 * ```ts
 * import { defineCheck, passed, notYet } from '#check';
 * export default defineCheck(async (ctx) => {
 *   const tags = await ctx.registry('node1', 5000).tags('my-image');
 *   if (tags === undefined) return notYet('not-pushed', { expected: 'my-image in the registry', found: 'no such repository' });
 *   return passed({ found: `my-image:${tags.join(', ')}` });
 * });
 * ```
 *
 * Checks read the truth from the nodes' engines and registries, never from files the learner
 * can write. Nothing here is specific to one sandbox implementation: the runner builds the
 * context (server/lessons/checkContext.ts).
 */
import type Docker from 'dockerode';
import type { NodeName } from '../common/api.ts';

export type { NodeName };

/**
 * How long one check may take, in milliseconds, from start to result. A check runs on every
 * engine event while a learner works, so it must answer at interactive speed; 5 s also covers a
 * cold `docker inspect` on a busy 2-core machine. A slower check is cut off and reported as
 * status 'timeout'.
 */
export const CHECK_TIMEOUT_MS = 5_000;

/** What a command run with `ctx.exec` printed and how it ended. */
export interface ExecResult {
  /** The command's exit code; 124 when it was killed for taking too long (like timeout(1)). */
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Kill the command after this many milliseconds. Default: what is left of CHECK_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Written to the command's standard input. Default: nothing. */
  stdin?: string;
}

/** The Docker Registry HTTP API (v2) of a registry listening on a node. */
export interface RegistryClient {
  /**
   * Repository names in the registry (GET /v2/_catalog), e.g. `['my-image', 'team/app']`.
   * @returns undefined when nothing answers on that port (no registry running, or not published).
   * @throws Error when the node cannot run curl or the answer is not the registry's JSON.
   */
  catalog(): Promise<string[] | undefined>;
  /**
   * Tags of one repository (GET /v2/<repo>/tags/list), e.g. `['latest', '1.0']`; `[]` when the
   * repository exists but has no tags left.
   * @param repo the repository name without host or tag, e.g. `my-image` or `team/app`.
   * @returns undefined when there is no such repository or nothing answers on that port.
   * @throws Error when the node cannot run curl or the answer is not the registry's JSON.
   */
  tags(repo: string): Promise<string[] | undefined>;
  /**
   * The digest of a tag's manifest (HEAD /v2/<repo>/manifests/<tag>, its Docker-Content-Digest),
   * e.g. `sha256:…`: what a pull of that tag records in the image's RepoDigests
   * (`node1:5000/my-image@sha256:…`), so a check can tell an image pulled from this registry from
   * one that only carries the name.
   * @returns undefined when there is no such tag or nothing answers on that port.
   * @throws Error when the node cannot run curl or the answer has no digest.
   */
  digest(repo: string, tag: string): Promise<string | undefined>;
}

/** What a check may look at. Every call reaches into the learner's sandbox; none goes through the learner's terminal. */
export interface CheckContext {
  /** The sandbox's id (for messages; not needed to call anything). */
  readonly sandboxId: string;
  /** Each node's address on the sandbox network, e.g. `ctx.nodes['remote-docker-engine'].ip`. */
  readonly nodes: Readonly<Record<NodeName, { readonly ip: string }>>;
  /** The learner's answer on a question step, trimmed; undefined when none was given or the step asks no question. */
  readonly answer: string | undefined;
  /** Aborted when the check's time (CHECK_TIMEOUT_MS) is up; pass it on to long waits. */
  readonly signal: AbortSignal;
  /**
   * A dockerode client of that node's inner engine (listContainers, getContainer(id).inspect(),
   * listImages, getImage(ref).inspect(), …). The same client is returned for the same node.
   * Its calls fail (reject) when the node's engine does not answer.
   */
  engine(node: NodeName): Docker;
  /**
   * One container of that node's engine, as `docker inspect` shows it. For "is it there, and how does
   * it run": `const site = await ctx.container('node1', 'site'); if (!site) return notYet('no-container', …)`.
   * @param name the container's name (or id), e.g. `site`.
   * @returns undefined when the engine has no such container (its 404).
   * @throws Error (rejects) when the node's engine does not answer or answers with another error.
   */
  container(node: NodeName, name: string): Promise<Docker.ContainerInspectInfo | undefined>;
  /**
   * One image of that node's engine, as `docker image inspect` shows it: all its RepoTags and
   * RepoDigests (listImages with a `reference` filter trims RepoDigests down to the pattern).
   * @param ref a reference or an image id, e.g. `localhost:5000/my-image:latest`.
   * @returns undefined when the engine has no such image (its 404).
   * @throws Error (rejects) when the node's engine does not answer or answers with another error.
   */
  image(node: NodeName, ref: string): Promise<Docker.ImageInspectInfo | undefined>;
  /**
   * The id (`sha256:…`) of the image the lab serves under `ref` (`nginx`, `busybox:latest`,
   * `registry:2`): what pulling that name gives in any node, read from outside the sandbox.
   * Compare it with a container's `.Image` or an image's `.Id` to know an image by its content:
   * a learner can give any image the name `nginx`, but not nginx's id.
   * @returns undefined when `ref` is not one of the lab's images.
   * @throws TypeError when `ref` is not a valid reference.
   */
  catalogImage(ref: string): Promise<string | undefined>;
  /**
   * Runs a command in the node as root, outside the learner's terminal.
   * @param argv the program and its arguments, e.g. `['docker', 'info', '--format', '{{.ServerVersion}}']`; no shell unless you run `sh -c`.
   * @returns the exit code and output; a non-zero exit is a value, not an exception.
   * @throws Error when the node is gone or the exec cannot start.
   */
  exec(node: NodeName, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  /**
   * The registry API of a registry published on `node`, reached from inside that node.
   * @param port the registry's port on the node. Default 5000.
   */
  registry(node: NodeName, port?: number): RegistryClient;
  /**
   * How many TCP connections `from` opened to `to`:`port` since the sandbox started, counted on
   * the host where the learner cannot forge it. E.g. `tcpConnects('node1', 'remote-docker-engine', 2375)`
   * tells whether the learner's docker CLI on node1 talked to the remote engine.
   * @throws Error when the sandbox is gone.
   */
  tcpConnects(from: NodeName, to: NodeName, port: number): Promise<number>;
  /**
   * The containers `from` created on `to`'s engine API over TCP (port 2375) since the sandbox
   * started, each with the id the engine answered and the name asked for, recorded on the host
   * (server/host/createLog.ts) where the learner cannot forge it. A container that a shell on `to`
   * made is not among them, nor is one made over TCP and then removed and made again there; so
   * ask for the container the step names, by id:
   * `(await ctx.engineCreates('node1', 'remote-docker-engine')).some((c) => c.id === web.Id)`.
   * @throws Error when the sandbox is gone.
   */
  engineCreates(from: NodeName, to: NodeName): Promise<RemoteCreate[]>;
}

/** A container one node created on another's engine over TCP (CheckContext.engineCreates). */
export interface RemoteCreate {
  /** The container's full id. */
  readonly id: string;
  /** The name the create asked for (?name=), if any. */
  readonly name?: string;
}

/** Both outcomes may say what the check wanted and what it found, in the learner's words. */
export interface CheckDetails {
  /** What the step asks for, e.g. `a container from nginx, running`. */
  expected?: string;
  /** What the check saw, e.g. `web (nginx:1.25), exited (0)`. */
  found?: string;
}

export interface CheckPassed extends CheckDetails {
  readonly passed: true;
}

export interface CheckNotYet extends CheckDetails {
  readonly passed: false;
  /** A hint id from the step's `hints` front matter. */
  readonly hint: string;
}

export type CheckOutcome = CheckPassed | CheckNotYet;

export type CheckFunction = (ctx: CheckContext) => Promise<CheckOutcome> | CheckOutcome;

/** A step's check, as its module's default export. */
export interface Check {
  readonly kind: 'shiplab-check';
  readonly run: CheckFunction;
}

/**
 * Declares a step's check; use it as the module's default export.
 * @throws TypeError when `fn` is not a function.
 */
export function defineCheck(fn: CheckFunction): Check {
  if (typeof fn !== 'function') throw new TypeError(`defineCheck needs a function (not a ${typeof fn})`);
  return Object.freeze({ kind: 'shiplab-check', run: fn });
}

/** True for what defineCheck returns. */
export function isCheck(value: unknown): value is Check {
  return typeof value === 'object' && value !== null && (value as Check).kind === 'shiplab-check' && typeof (value as Check).run === 'function';
}

/** The step is done. `found` is shown to the learner beside the green badge. */
export function passed(details: CheckDetails = {}): CheckPassed {
  return { passed: true, ...pick(details) };
}

/**
 * The step is not done yet; the learner sees the hint's text, `expected` and `found`.
 * @param hint an id from the step's `hints`; an unknown id is reported as a check error at run time.
 * @throws TypeError when `hint` is not a non-empty string.
 */
export function notYet(hint: string, details: CheckDetails = {}): CheckNotYet {
  if (typeof hint !== 'string' || hint === '') throw new TypeError(`notYet needs a hint id from the step's hints (not ${JSON.stringify(hint)})`);
  return { passed: false, hint, ...pick(details) };
}

function pick(d: CheckDetails): CheckDetails {
  return { ...(d.expected !== undefined && { expected: d.expected }), ...(d.found !== undefined && { found: d.found }) };
}

const DEFAULT_DOMAIN = 'docker.io';
const OFFICIAL_PREFIX = 'library/';
/** Docker's rule for repository path components: lowercase, digits, separators . _ __ - */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** Docker's rule for a tag (registry.digest checks its tag with it too). */
export const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/**
 * An image reference written in full, the way the engine compares them:
 * `nginx` → `docker.io/library/nginx:latest`, `nginx:1.25` → `docker.io/library/nginx:1.25`,
 * `localhost:5000/a` → `localhost:5000/a:latest`, `node1:5000/a/b:tag` stays as it is,
 * `nginx@sha256:…` → `docker.io/library/nginx@sha256:…` (a digest gets no `:latest`).
 * The first component is a registry host when it has a `.` or a `:` or is `localhost`.
 * @throws TypeError when `ref` is not a valid reference (empty, uppercase repository, bad tag or digest).
 */
export function normalizeRef(ref: string): string {
  const bad = (why: string) => new TypeError(`normalizeRef: ${JSON.stringify(ref)} is not an image reference (${why})`);
  if (typeof ref !== 'string' || ref.trim() === '') throw bad('empty');
  let rest = ref.trim();
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(`bad digest "${digest}"`);
  }
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`bad tag "${tag}"`);
  }
  const parts = rest.split('/');
  const first = parts[0] ?? '';
  let domain = DEFAULT_DOMAIN;
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    domain = first === 'index.docker.io' ? DEFAULT_DOMAIN : first;
    parts.shift();
  }
  if (parts.length === 0 || parts.some((p) => !PATH_COMPONENT.test(p))) {
    throw bad('repository names are lowercase letters, digits and . _ - separated by /');
  }
  let path = parts.join('/');
  if (domain === DEFAULT_DOMAIN && parts.length === 1) path = OFFICIAL_PREFIX + path;
  if (!tag && !digest) tag = 'latest';
  return `${domain}/${path}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

/**
 * Whether the engine's `ref` names the image `expected`, both written in full (normalizeRef):
 * `sameImage('nginx', 'docker.io/library/nginx:latest')` and `sameImage('nginx:latest', 'nginx')` are true.
 * Made for engine data (Config.Image, listContainers' Image): a `ref` that is not a reference, such as
 * an image id or `<none>:<none>`, is not the same image (false), never an error.
 * It compares names, which a learner can put on any image (`docker tag busybox nginx`): to know
 * that a container runs nginx, compare its `.Image` with `ctx.catalogImage('nginx')`.
 * @throws TypeError when `expected` is not an image reference: that is a mistake in the check.
 */
export function sameImage(ref: string, expected: string): boolean {
  const wanted = normalizeRef(expected);
  try {
    return normalizeRef(ref) === wanted;
  } catch {
    // Engine data that is not a reference (an id, <none>:<none>) names no image by that name.
    return false;
  }
}

/**
 * A container's name the way the learner typed it, from a listContainers entry: `/web` → `web`.
 * @returns `?` when the entry has no name (the engine always gives one; this keeps messages whole).
 */
/**
 * For a `found` text: what `from` created on the other engine over TCP, beside the container
 * (`name`, `id`) the step wanted, e.g. `node1 created decoy there over TCP 2375, not this
 * remote-web (45005716390a)`.
 */
export function createdInstead(from: NodeName, creates: readonly RemoteCreate[], name: string, id: string): string {
  if (creates.length === 0) return `${from} created no container there over TCP 2375`;
  return `${from} created ${creates.map((c) => c.name ?? shortId(c.id)).join(', ')} there over TCP 2375, not this ${name} (${shortId(id)})`;
}

/** An image or container id shortened as `docker images` shows it (12 hex digits, no `sha256:`). */
export function shortId(id: string | undefined): string {
  return id === undefined ? 'none' : id.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * The id of the lab's image `ref` (ctx.catalogImage), for a check that cannot go on without it.
 * @throws Error when the lab serves no such image (a lesson asking for an image the lab lacks).
 */
export async function requireCatalogImage(ctx: Pick<CheckContext, 'catalogImage'>, ref: string): Promise<string> {
  const id = await ctx.catalogImage(ref);
  if (id === undefined) throw new Error(`the lab serves no image ${ref}; a check can only compare with the lab's own images`);
  return id;
}

export function containerName(c: { Names?: string[] }): string {
  return c.Names?.[0]?.replace(/^\//, '') ?? '?';
}
