/**
 * The lab, wired: sessions → learners (their sandboxes, progress and events) → terminals → the
 * HTTP server, and closed in the order that lets every socket hear why it closes. Defaults that
 * come from the configuration (data directory, terminal grace period) are read here, not below.
 */
import path from 'node:path';
import { config, dataDir, ROOT } from '../core/config.ts';
import { logger, type Logger } from '../core/log.ts';
import { serveLab } from '../http/labServer.ts';
import { Learners } from '../learners/learners.ts';
import { SessionStore } from '../learners/sessionStore.ts';
import type { LessonService } from '../lessons/types.ts';
import type { Sandboxes } from '../sandbox/types.ts';
import type { NodeShell } from '../terminal/nodeShell.ts';
import { TerminalHub } from '../terminal/terminalHub.ts';

export interface LabServerOptions {
  sandboxes: Sandboxes;
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
  /** How terminals reach nodes; default `docker exec` on the host engine. */
  shell?: NodeShell;
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
}

export async function createLabServer(opts: LabServerOptions): Promise<LabServer> {
  const log = opts.log ?? logger('http');
  const sessions = SessionStore.open(path.join(opts.dataDir ?? dataDir(), 'sessions.json'), log);
  const learners = new Learners({ sessions, sandboxes: opts.sandboxes, lessons: opts.lessons, log });
  learners.adopt();
  const graceMs = opts.graceMs ?? config().terminalGraceMs;
  const terminals = new TerminalHub({ sandboxes: opts.sandboxes, shell: opts.shell, graceMs, log: log.child('terminal') });
  const web = await serveLab({
    learners,
    lessons: opts.lessons,
    terminals,
    staticDir: opts.staticDir ?? path.join(ROOT, 'dist', 'web'),
    host: opts.host,
    port: opts.port,
    publicUrl: opts.publicUrl,
    trustProxy: opts.trustProxy,
    log,
  }).catch(async (err: unknown) => {
    // Nothing listens (e.g. the port is taken): release what was wired for it.
    await terminals.dispose();
    await learners.dispose();
    throw err;
  });

  let closing: Promise<void> | undefined;
  return {
    url: web.url,
    terminals,
    sessions,
    close() {
      closing ??= (async () => {
        // Terminals end while their sockets are open, so each gets CloseCode.Gone, not a reset.
        await web.close(() => terminals.dispose());
        // Last: autochecks stop and the sessions are written with everything recorded until now.
        await learners.dispose();
      })();
      return closing;
    },
  };
}
