/**
 * The one configuration of a Shiplab process: defaults, an optional JSON file, and environment
 * variables on top, read and validated once (config()), so a bad value stops the start with the
 * variable's (or the file key's) name, what was wrong, and what to do. Nothing else in server/
 * reads process.env for settings; the composition roots (server/main.ts, server/app/, the CLIs)
 * pass these values down.
 *
 * The file: SHIPLAB_CONFIG=path/to/shiplab.json, with the keys of FileSettings below, e.g.
 *   { "port": 8080, "sandbox": { "memoryMb": 2048 }, "terminal": { "graceS": 120 } }
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The checkout's root, so paths work whatever the current directory is. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const LOG_LEVELS = ['quiet', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** auto: human lines on a terminal, JSON lines (for a log stack) otherwise. */
export const LOG_FORMATS = ['auto', 'text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface SandboxLimits {
  /** Hard memory limit of the whole sandbox (both nodes and everything inside), bytes. */
  memoryBytes: number;
  /** Processes in the whole sandbox; a fork bomb stops here. */
  pids: number;
  /** CPUs for the whole sandbox. */
  cpus: number;
  /** Size of each node's /var/lib/docker store, bytes. */
  storeBytes: number;
}

export interface SandboxTimes {
  /** A sandbox lives at most this long. */
  ttlMs: number;
  /** A sandbox nobody touched (terminal, check, status) for this long is removed. */
  idleMs: number;
}

/**
 * How much of the host all sandboxes together may be given (server/sandbox/capacity.ts does the
 * arithmetic). undefined: derived from the host at start by the composition root.
 */
export interface CapacitySettings {
  /** Memory for all sandboxes, bytes; undefined: the host's memory minus reserveMemoryBytes. */
  memoryBytes: number | undefined;
  /** Memory kept for the host, its engine and the Shiplab server, bytes. */
  reserveMemoryBytes: number;
  /** Disk for all sandbox stores, bytes; undefined: free space under the data directory minus reserveDiskBytes. */
  diskBytes: number | undefined;
  /** Disk kept free under the data directory (images, engine state, logs), bytes. */
  reserveDiskBytes: number;
  /** CPUs all sandboxes' CPU limits may add up to; undefined: the host's CPUs × CPU_OVERCOMMIT. */
  cpus: number | undefined;
  /** At most this many sandboxes at once, whatever the rest allows; undefined: no such cap. */
  sandboxes: number | undefined;
  /** Sandbox creates that run at once; undefined: one per host CPU, at most MAX_DEFAULT_CREATES_AT_ONCE. */
  createsAtOnce: number | undefined;
  /** Learners waiting for a sandbox beyond which a new request is refused ("the lab is full"). */
  queueMax: number;
}

/** Per client address (server/http/rateLimiter.ts): bursts of this many, refilled over a minute. */
export interface RateLimits {
  /** New sessions (learners) per minute. */
  sessionsPerMin: number;
  /** Sandbox creates asked for per minute. */
  createsPerMin: number;
}

export interface SessionLimits {
  /** A session unseen this long is removed, with its sandbox, ms. */
  ttlMs: number;
  /** Sessions kept at most; a new one beyond this is refused (sessions.json stays bounded). */
  max: number;
}

export interface Config {
  /** Address the lab listens on. Loopback by default: exposing a lab is a decision. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Engine state, image build cache, sessions and sandbox stores. */
  dataDir: string;
  /** An engine of the operator's own (unix:// or tcp://); undefined: the embedded one. */
  dockerHost: string | undefined;
  log: LogLevel;
  logFormat: LogFormat;
  /** Where debootstrap fetches Debian packages for the image catalog. */
  debianMirror: string;
  sandbox: SandboxLimits & SandboxTimes;
  capacity: CapacitySettings;
  rates: RateLimits;
  sessions: SessionLimits;
  /** A terminal without a socket keeps its shell this long (a reload reattaches), ms. */
  terminalGraceMs: number;
  /**
   * The origin learners open when it is not a loopback name (a reverse proxy, a LAN address), e.g.
   * https://lab.example.org; requests naming any other host are refused (DNS rebinding).
   * undefined: loopback names and the listen address only.
   */
  publicUrl: string | undefined;
  /** Believe X-Forwarded-Proto/Host/For: only behind a reverse proxy that sets them itself. */
  trustProxy: boolean;
  workshops: WorkshopSettings;
  /** The file the settings were read from, if any (for the start-up log). */
  file: string | undefined;
}

export interface WorkshopSettings {
  /**
   * The instructor's secret for the admin console; undefined: one is made at first start, printed
   * once, and only its hash is kept (<data dir>/shiplab.db).
   */
  adminToken: string | undefined;
  /** An attendee with no terminal input this long shows as idle in the console, ms. */
  idleMs: number;
  /** Warm-pool creates started per minute at most, over all workshops. */
  poolRefillPerMin: number;
}

const MIB = 1024 * 1024;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** A whole number of at least `min`. */
const count = (what: string, min: number) =>
  z.coerce.number({ error: `is not a number (${what})` }).int(`is not a whole number (${what})`).min(min, `must be at least ${min} (${what})`);

/** Every setting once: its environment variable, its key in the file, its schema and default. */
const positive = (what: string) => z.coerce.number({ error: `is not a number (${what})` }).positive(`must be above 0 (${what})`);
/** What SHIPLAB_PUBLIC_URL may be: an origin, since every route is absolute (no path prefix). */
const PUBLIC_URL = 'must be an http:// or https:// URL with no path, query or user (e.g. https://lab.example.org)';
const publicUrl = z.string().transform((s, ctx) => {
  let u: URL | undefined;
  try {
    u = new URL(s);
  } catch {
    u = undefined;
  }
  if (!u || !/^https?:$/.test(u.protocol) || u.pathname !== '/' || u.search || u.hash || u.username || u.password) {
    ctx.addIssue({ code: 'custom', message: PUBLIC_URL });
    return z.NEVER;
  }
  return u.origin;
});
/** A yes/no setting: a JSON boolean in the file, a word in the environment. */
const FLAG_WORDS: Record<string, boolean> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };
const flag = z.preprocess((v) => (typeof v === 'string' ? (FLAG_WORDS[v.trim().toLowerCase()] ?? v) : v), z.boolean({ error: 'must be true or false' }));
const SETTINGS = {
  host: { env: 'SHIPLAB_HOST', schema: z.string().trim().min(1, 'is empty (a host name or address)'), fallback: '127.0.0.1' },
  port: {
    env: 'SHIPLAB_PORT',
    schema: z.coerce.number({ error: 'is not a port number (0-65535)' }).int('is not a port number (0-65535)').min(0, 'is not a port number (0-65535)').max(65535, 'is not a port number (0-65535)'),
    fallback: 8080,
  },
  dataDir: { env: 'SHIPLAB_DATA_DIR', schema: z.string().min(1, 'is empty (a directory)'), fallback: path.join(ROOT, '.shiplab') },
  dockerHost: { env: 'DOCKER_HOST', schema: z.string().regex(/^(unix|tcp):\/\/./, 'must start with unix:// or tcp://').optional(), fallback: undefined },
  log: { env: 'SHIPLAB_LOG', schema: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }), fallback: 'info' },
  logFormat: { env: 'SHIPLAB_LOG_FORMAT', schema: z.enum(LOG_FORMATS, { error: `must be one of ${LOG_FORMATS.join(', ')}` }), fallback: 'auto' },
  debianMirror: { env: 'SHIPLAB_DEBIAN_MIRROR', schema: z.url({ error: 'is not a URL (http://…/debian)' }), fallback: 'http://deb.debian.org/debian' },
  'sandbox.memoryMb': { env: 'SHIPLAB_SANDBOX_MEMORY_MB', schema: positive('MiB'), fallback: 1536 },
  'sandbox.pids': { env: 'SHIPLAB_SANDBOX_PIDS', schema: positive('processes'), fallback: 1024 },
  'sandbox.cpus': { env: 'SHIPLAB_SANDBOX_CPUS', schema: positive('CPUs'), fallback: 1 },
  'sandbox.storeMb': { env: 'SHIPLAB_STORE_MB', schema: positive('MiB per node'), fallback: 4096 },
  'sandbox.ttlMin': { env: 'SHIPLAB_SANDBOX_TTL_MIN', schema: positive('minutes'), fallback: 120 },
  'sandbox.idleMin': { env: 'SHIPLAB_SANDBOX_IDLE_MIN', schema: positive('minutes'), fallback: 30 },
  'capacity.memoryMb': { env: 'SHIPLAB_CAPACITY_MEMORY_MB', schema: positive('MiB for all sandboxes').optional(), fallback: undefined },
  'capacity.reserveMemoryMb': { env: 'SHIPLAB_RESERVE_MEMORY_MB', schema: count('MiB kept for the host', 0), fallback: 2048 },
  'capacity.diskMb': { env: 'SHIPLAB_CAPACITY_DISK_MB', schema: positive('MiB for all sandbox stores').optional(), fallback: undefined },
  'capacity.reserveDiskMb': { env: 'SHIPLAB_RESERVE_DISK_MB', schema: count('MiB kept free', 0), fallback: 8192 },
  'capacity.cpus': { env: 'SHIPLAB_CAPACITY_CPUS', schema: positive('CPUs for all sandboxes').optional(), fallback: undefined },
  'capacity.sandboxes': { env: 'SHIPLAB_MAX_SANDBOXES', schema: count('sandboxes at once', 1).optional(), fallback: undefined },
  'capacity.createsAtOnce': { env: 'SHIPLAB_CREATES_AT_ONCE', schema: count('sandbox creates at once', 1).optional(), fallback: undefined },
  'capacity.queueMax': { env: 'SHIPLAB_QUEUE_MAX', schema: count('learners waiting', 0), fallback: 100 },
  'rates.sessionsPerMin': { env: 'SHIPLAB_RATE_SESSIONS_PER_MIN', schema: positive('new sessions per minute per client'), fallback: 60 },
  'rates.createsPerMin': { env: 'SHIPLAB_RATE_CREATES_PER_MIN', schema: positive('sandbox creates per minute per client'), fallback: 30 },
  'sessions.ttlDays': { env: 'SHIPLAB_SESSION_TTL_DAYS', schema: positive('days unseen'), fallback: 30 },
  'sessions.max': { env: 'SHIPLAB_MAX_SESSIONS', schema: count('sessions', 1), fallback: 10_000 },
  'terminal.graceS': { env: 'SHIPLAB_TERMINAL_GRACE_S', schema: positive('seconds'), fallback: 60 },
  publicUrl: { env: 'SHIPLAB_PUBLIC_URL', schema: publicUrl.optional(), fallback: undefined },
  trustProxy: { env: 'SHIPLAB_TRUST_PROXY', schema: flag, fallback: false },
  // 24 characters at least: a secret typed once and kept in a password manager, not a PIN.
  'workshops.adminToken': { env: 'SHIPLAB_ADMIN_TOKEN', schema: z.string().trim().min(24, 'is shorter than 24 characters (the admin secret)').max(256, 'is longer than 256 characters').optional(), fallback: undefined },
  'workshops.idleMin': { env: 'SHIPLAB_WORKSHOP_IDLE_MIN', schema: positive('minutes without terminal input'), fallback: 5 },
  'workshops.poolRefillPerMin': { env: 'SHIPLAB_POOL_REFILL_PER_MIN', schema: positive('warm-pool creates per minute'), fallback: 6 },
} as const;

type Key = keyof typeof SETTINGS;
type Values = { [K in Key]: z.output<(typeof SETTINGS)[K]['schema']> };

/** A setting with a bad value; the message names where it came from and how to fix it. */
export class ConfigError extends Error {}

/** Reads `file`'s JSON and flattens it to SETTINGS keys ("sandbox.memoryMb"). */
function readFile(file: string): Partial<Record<Key, unknown>> {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`SHIPLAB_CONFIG=${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); fix the path or unset it`);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON (${(err as Error).message}); fix it or unset SHIPLAB_CONFIG`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ConfigError(`${file} must hold a JSON object of settings`);
  const out: Partial<Record<Key, unknown>> = {};
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix + k;
      if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(key in SETTINGS)) walk(v as Record<string, unknown>, `${key}.`);
      else if (key in SETTINGS) out[key as Key] = v;
      else throw new ConfigError(`${file}: unknown setting "${key}" (known: ${Object.keys(SETTINGS).join(', ')})`);
    }
  };
  walk(data as Record<string, unknown>, '');
  return out;
}

/**
 * Builds the configuration from `env` (and the file SHIPLAB_CONFIG names, if any). Pure apart
 * from reading that file; tests pass their own env.
 * @throws ConfigError naming the variable or file key, the bad value and the fix.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const fileName = env.SHIPLAB_CONFIG ? path.resolve(env.SHIPLAB_CONFIG) : undefined;
  const fromFile = fileName ? readFile(fileName) : {};
  const v = {} as Record<Key, unknown>;
  for (const [key, s] of Object.entries(SETTINGS) as [Key, (typeof SETTINGS)[Key]][]) {
    const envRaw = env[s.env];
    const source = envRaw !== undefined && envRaw !== '' ? { raw: envRaw as unknown, where: `${s.env}=${envRaw}`, fix: `unset ${s.env} or give a valid value` }
      : key in fromFile ? { raw: fromFile[key], where: `${fileName}: ${key}=${JSON.stringify(fromFile[key])}`, fix: 'fix that key or remove it' }
        : undefined;
    if (!source) {
      v[key] = s.fallback;
      continue;
    }
    const r = (s.schema as z.ZodType).safeParse(source.raw);
    if (!r.success) throw new ConfigError(`${source.where} ${r.error.issues[0]?.message ?? 'is not valid'}; ${source.fix}`);
    v[key] = r.data;
  }
  const values = v as Values;
  return {
    host: values.host,
    port: values.port,
    dataDir: path.resolve(values.dataDir),
    dockerHost: values.dockerHost,
    log: values.log,
    logFormat: values.logFormat,
    debianMirror: values.debianMirror,
    sandbox: {
      memoryBytes: values['sandbox.memoryMb'] * MIB,
      pids: values['sandbox.pids'],
      cpus: values['sandbox.cpus'],
      storeBytes: values['sandbox.storeMb'] * MIB,
      ttlMs: values['sandbox.ttlMin'] * MINUTE_MS,
      idleMs: values['sandbox.idleMin'] * MINUTE_MS,
    },
    capacity: {
      memoryBytes: values['capacity.memoryMb'] === undefined ? undefined : values['capacity.memoryMb'] * MIB,
      reserveMemoryBytes: values['capacity.reserveMemoryMb'] * MIB,
      diskBytes: values['capacity.diskMb'] === undefined ? undefined : values['capacity.diskMb'] * MIB,
      reserveDiskBytes: values['capacity.reserveDiskMb'] * MIB,
      cpus: values['capacity.cpus'],
      sandboxes: values['capacity.sandboxes'],
      createsAtOnce: values['capacity.createsAtOnce'],
      queueMax: values['capacity.queueMax'],
    },
    rates: { sessionsPerMin: values['rates.sessionsPerMin'], createsPerMin: values['rates.createsPerMin'] },
    sessions: { ttlMs: values['sessions.ttlDays'] * DAY_MS, max: values['sessions.max'] },
    terminalGraceMs: Math.round(values['terminal.graceS'] * 1000),
    publicUrl: values.publicUrl,
    trustProxy: values.trustProxy,
    workshops: {
      adminToken: values['workshops.adminToken'],
      idleMs: values['workshops.idleMin'] * MINUTE_MS,
      poolRefillPerMin: values['workshops.poolRefillPerMin'],
    },
    file: fileName,
  };
}

let loaded: Config | undefined;

/** This process's configuration, read from the environment on first use and never again. */
export function config(): Config {
  loaded ??= loadConfig();
  return loaded;
}

/** Where Shiplab keeps its engine state, image build cache, sessions and sandbox stores. */
export function dataDir(): string {
  return config().dataDir;
}

export function sandboxLimits(): SandboxLimits {
  const { memoryBytes, pids, cpus, storeBytes } = config().sandbox;
  return { memoryBytes, pids, cpus, storeBytes };
}

export function sandboxTimes(): SandboxTimes {
  const { ttlMs, idleMs } = config().sandbox;
  return { ttlMs, idleMs };
}
