/**
 * An in-process lab for the validator and the check CLI: the lessons, the sandbox manager and a
 * lab server on 127.0.0.1 with a free port and its own throwaway session store, so runs never
 * touch a real server's learners.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toDisposable } from '../common/lifecycle.ts';
import { config, dataDir as sandboxesDir } from '../core/config.ts';
import { logger, type Logger } from '../core/log.ts';
import { createLabServer, type LabServer } from '../app/labApp.ts';
import { localEngineBackend } from '../app/sandboxBackend.ts';
import { openSandboxes } from '../app/openSandboxes.ts';
import type { Sandboxes } from '../sandbox/types.ts';
import type { LoadedLessonService } from '../lessons/service.ts';

export interface Lab {
  sandboxes: Sandboxes;
  server: LabServer;
  close(): Promise<void>;
}

/**
 * Warnings and errors only: the validator prints its own progress on stdout, and a line per
 * learner and sandbox from the lab would bury it. SHIPLAB_LOG=debug shows everything.
 */
export function warningsOnly(base: Logger): Logger {
  if (config().log === 'debug') return base;
  return { ...base, info: () => {}, debug: () => {}, child: (scope) => warningsOnly(base.child(scope)) };
}

export async function openLab(service: LoadedLessonService, log: Logger = warningsOnly(logger('validate'))): Promise<Lab> {
  // adopt: false — other servers and test runs on this host own their sandboxes; leave them be.
  const sandboxes = await openSandboxes({ adopt: false, log: log.child('sandbox') });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-validate-'));
  let server: LabServer;
  try {
    server = await createLabServer({
      backend: localEngineBackend(sandboxes, { dataDir: sandboxesDir() }),
      // No auto-checks: the validator asks for every check itself, and on a 2-core machine a
      // background check per sandbox every few seconds only slows the runs down.
      lessons: { ...service.bind(sandboxes), watch: () => toDisposable(() => {}) },
      host: '127.0.0.1',
      port: 0,
      dataDir,
      staticDir: dataDir,
      // One trusted client on loopback making a fresh sandbox per run: the admission line still
      // bounds what runs at once, but rate limits would only stall it.
      rates: { sessionsPerMin: Infinity, createsPerMin: Infinity },
      log: log.child('lab'),
    });
  } catch (err) {
    await sandboxes.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    sandboxes,
    server,
    async close() {
      await server.close();
      // Runs remove their own sandboxes; this catches any left by an interrupted run. With
      // adopt: false the manager lists only sandboxes it created itself.
      for (const s of sandboxes.list()) await sandboxes.destroy(s.id, 'shutdown').catch(() => undefined);
      await sandboxes.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
