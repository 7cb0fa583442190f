/**
 * The lab, wired: sessions → learners (their sandboxes, progress and events) → terminals → the
 * HTTP server, and closed in the order that lets every socket hear why it closes. Defaults that
 * come from the configuration (data directory, terminal grace period, admission, rate limits,
 * session limits) are read here, not below.
 */
import path from 'node:path';
import { config, dataDir, ROOT, sandboxLimits, type CapacitySettings, type RateLimits, type SandboxLimits, type SessionLimits, type WorkshopSettings } from '../core/config.ts';
import { logger, type Logger } from '../core/log.ts';
import { serveLab } from '../http/labServer.ts';
import { Learners } from '../learners/learners.ts';
import { SessionStore } from '../learners/sessionStore.ts';
import type { LessonService } from '../lessons/types.ts';
import type { Admission } from '../sandbox/admission.ts';
import { TerminalHub } from '../terminal/terminalHub.ts';
import { labAdmission } from './labAdmission.ts';
import type { ImageBuild } from '../images/catalog.ts';
import { LabMetrics } from './labMetrics.ts';
import type { SandboxBackend } from './sandboxBackend.ts';
import { openDatabase } from '../store/database.ts';
import { WarmPool } from '../workshops/warmPool.ts';
import { Workshops } from '../workshops/workshops.ts';

/** The lab's database in the data directory. */
export const DATABASE_FILE = 'shiplab.db';

export interface LabServerOptions {
  /** Whatever runs the sandboxes: create, exec, attach a shell, destroy, capacity. */
  backend: SandboxBackend;
  lessons: LessonService;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The built page; default <checkout>/dist/web. */
  staticDir?: string;
  /** Where sessions.json lives; default the configured data directory (SHIPLAB_DATA_DIR or .shiplab). */
  dataDir?: string;
  /** Terminal grace period without a socket, ms; default the configured one (SHIPLAB_TERMINAL_GRACE_S, 60 s). */
  graceMs?: number;
  /** Another origin learners open (SHIPLAB_PUBLIC_URL); default none: loopback names on the port. */
  publicUrl?: string;
  /** Believe X-Forwarded-* (SHIPLAB_TRUST_PROXY); default false. */
  trustProxy?: boolean;
  /** One sandbox's limits, its budget in the capacity; default the configured ones (what openSandboxes gives the manager). */
  limits?: SandboxLimits;
  /** Settings over the configured capacity (SHIPLAB_CAPACITY_*, SHIPLAB_MAX_SANDBOXES, SHIPLAB_CREATES_AT_ONCE, SHIPLAB_QUEUE_MAX). */
  capacity?: Partial<CapacitySettings>;
  /** Per client address; default the configured ones (SHIPLAB_RATE_*). */
  rates?: RateLimits;
  /** Session TTL and cap; default the configured ones (SHIPLAB_SESSION_TTL_DAYS, SHIPLAB_MAX_SESSIONS). */
  sessionLimits?: SessionLimits;
  /** Workshop settings over the configured ones (SHIPLAB_ADMIN_TOKEN, SHIPLAB_WORKSHOP_IDLE_MIN, SHIPLAB_POOL_REFILL_PER_MIN). */
  workshops?: Partial<WorkshopSettings>;
  /** The images built while this process started (for /metrics); none when all were current. */
  imageBuilds?: readonly ImageBuild[];
  log?: Logger;
}

export interface LabServer {
  /** http://host:port, without a trailing slash. */
  url: string;
  /** Closes sockets and streams and ends terminals; sandboxes stay for the next server to adopt. */
  close(): Promise<void>;
  /** The terminal sessions (stats for tests and benchmarks). */
  terminals: TerminalHub;
  sessions: SessionStore;
  /** The admission line (its counts for tests and benchmarks). */
  admission: Admission;
  workshops: Workshops;
  learners: Learners;
  /** The admin secret made at this first start (no SHIPLAB_ADMIN_TOKEN, none kept yet), to be shown once. */
  firstAdminToken?: string;
}

export async function createLabServer(opts: LabServerOptions): Promise<LabServer> {
  const log = opts.log ?? logger('http');
  const dir = opts.dataDir ?? dataDir();
  const db = openDatabase(path.join(dir, DATABASE_FILE));
  const sessions = SessionStore.open(db, log, path.join(dir, 'sessions.json'));
  const cfg = config();
  const workshopSettings = { ...cfg.workshops, ...opts.workshops };
  // Learners asks which sessions to keep (attendees'), and the workshops come after Learners.
  const attendees: { of?: Workshops } = {};
  const { sandboxes, shell } = opts.backend;
  const admission = labAdmission({
    sandboxes,
    limits: opts.limits ?? sandboxLimits(),
    ttlMs: cfg.sandbox.ttlMs,
    settings: { ...cfg.capacity, ...opts.capacity },
    host: opts.backend.capacity(),
    log: log.child('admission'),
  });
  const sessionLimits = opts.sessionLimits ?? cfg.sessions;
  const learners = new Learners({
    sessions,
    sandboxes,
    lessons: opts.lessons,
    log,
    admission,
    sessionTtlMs: sessionLimits.ttlMs,
    maxSessions: sessionLimits.max,
    keepSession: (id) => attendees.of?.isAttendee(id) ?? false,
  });
  const graceMs = opts.graceMs ?? config().terminalGraceMs;
  const terminals = new TerminalHub({ sandboxes, shell, graceMs, log: log.child('terminal') });
  const pool = new WarmPool({ sandboxes, admission, log: log.child('pool'), refillPerMin: workshopSettings.poolRefillPerMin });
  const workshops = (attendees.of = new Workshops({
    db,
    learners,
    lessons: opts.lessons,
    sandboxes,
    terminals,
    pool,
    idleMs: workshopSettings.idleMs,
    adminToken: workshopSettings.adminToken,
    log: log.child('workshops'),
  }));
  // Pool sandboxes handed to attendees carry the pool's label: give them back first, then adopt.
  workshops.adoptBeforeLearners();
  learners.adopt();
  workshops.adoptAfterLearners();
  // Sessions that expired while the server was down go now, with their adopted sandboxes.
  await learners.expireSessions();
  const metrics = new LabMetrics({
    sandboxes,
    admission,
    learners,
    terminals,
    workshops,
    pool,
    imageBuilds: opts.imageBuilds ?? [],
    store: () => {
      try {
        db.prepare('SELECT 1').get();
        return { ok: true, detail: 'answers' };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      }
    },
  });
  const closeAll = async () => {
    metrics.dispose();
    await workshops.dispose();
    await pool.dispose();
    await learners.dispose();
    await admission.dispose();
    db.close();
  };
  const web = await serveLab({
    workshops,
    learners,
    lessons: opts.lessons,
    terminals,
    staticDir: opts.staticDir ?? path.join(ROOT, 'dist', 'web'),
    host: opts.host,
    port: opts.port,
    publicUrl: opts.publicUrl,
    trustProxy: opts.trustProxy,
    rates: opts.rates ?? cfg.rates,
    ops: metrics,
    log,
  }).catch(async (err: unknown) => {
    // Nothing listens (e.g. the port is taken): release what was wired for it.
    await terminals.dispose();
    await closeAll();
    throw err;
  });

  let closing: Promise<void> | undefined;
  return {
    url: web.url,
    terminals,
    sessions,
    admission,
    workshops,
    learners,
    ...(workshops.firstAdminToken !== undefined && { firstAdminToken: workshops.firstAdminToken }),
    close() {
      closing ??= (async () => {
        // Terminals end while their sockets are open, so each gets CloseCode.Gone, not a reset.
        await web.close(() => terminals.dispose());
        // Last: jumps and the pool stop, autochecks stop, the line empties, the database closes.
        await closeAll();
      })();
      return closing;
    },
  };
}
