/**
 * The Shiplab server: sandboxes (with the host engine, images and mirror), the lessons, and the
 * lab's HTTP server. `npm start` builds the page and runs this.
 *
 *   SHIPLAB_HOST (default 127.0.0.1), SHIPLAB_PORT (default 8080), SHIPLAB_DATA_DIR,
 *   SHIPLAB_TERMINAL_GRACE_S (default 60), and the sandbox limits in server/core/config.ts.
 *
 * SIGINT/SIGTERM close the server cleanly; sandboxes stay, and the next start adopts them.
 */
import path from 'node:path';
import { ROOT } from './core/config.ts';
import { logger } from './core/log.ts';
import { createLabServer } from './http/labServer.ts';
import { loadLessonService } from './lessons/service.ts';
import { openSandboxes } from './sandbox/manager.ts';
import { terminalGraceMs } from './terminal/terminalHub.ts';

const log = logger('main');

/** A second signal while closing means "now": exit without waiting. */
const FORCE_EXIT_CODE = 130;

function port(): number {
  const raw = process.env.SHIPLAB_PORT ?? '8080';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`SHIPLAB_PORT=${raw} is not a port number (0-65535); unset it or give one`);
  return n;
}

async function main(): Promise<void> {
  const host = process.env.SHIPLAB_HOST ?? '127.0.0.1';
  const listenPort = port();
  const graceMs = terminalGraceMs();
  log.info('opening sandboxes (the first start builds images and may take minutes)');
  const phases = new Map<string, string>();
  const sandboxes = await openSandboxes({
    // One line per image and phase, not per percent.
    onImageProgress: (p) => {
      if (phases.get(p.image) === p.phase) return;
      phases.set(p.image, p.phase);
      log.info('image', { image: p.image, phase: p.phase });
    },
  });
  const lessons = await loadLessonService(path.join(ROOT, 'lessons'), sandboxes);
  const lab = await createLabServer({ sandboxes, lessons, host, port: listenPort, graceMs });
  console.log(`Shiplab is running at ${lab.url}/`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) process.exit(FORCE_EXIT_CODE);
    closing = true;
    log.info('closing (sandboxes stay for the next start)', { signal });
    void (async () => {
      await lab.close();
      await sandboxes.dispose();
      log.info('closed');
      process.exit(0);
    })().catch((err) => {
      log.error('close failed', { error: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err) => {
  log.error('Shiplab could not start', { error: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
});
