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
import { config, dataDir, ROOT } from './core/config.ts';
import { logger } from './core/log.ts';
import { createLabServer } from './app/labApp.ts';
import { installLastResort } from './app/lastResort.ts';
import { startPreparingServer } from './http/preparingServer.ts';
import { loadLessonService } from './lessons/service.ts';
import { openSandboxes } from './app/openSandboxes.ts';
import { localEngineBackend } from './app/sandboxBackend.ts';
import { BUILT_PHASE, type ImageBuild } from './images/catalog.ts';

const log = logger('main');

/** A second signal while closing means "now": exit without waiting. */
const FORCE_EXIT_CODE = 130;

async function main(): Promise<void> {
  // Errors no request or upgrade guard caught: logged; the process ends only for a broken invariant.
  installLastResort(log);
  // Read and validated once, here; a bad value stops the start with its name and the fix.
  const { host, port: listenPort, terminalGraceMs: graceMs, publicUrl, trustProxy, file } = config();
  if (file) log.info('settings read', { file });
  // The address answers at once: a first start spends minutes installing the engine and
  // building images, and whoever opened the page should see what is happening.
  const preparing = await startPreparingServer(host, listenPort, { publicUrl, trustProxy });
  console.log(`Shiplab is preparing at ${preparing.url}/ (the page opens the lab when it is ready)`);
  log.info('opening sandboxes (the first start builds images and may take minutes)');
  preparing.setPhase('starting the Docker engine');
  const phases = new Map<string, string>();
  const imageBuilds: ImageBuild[] = [];
  let sandboxes: Awaited<ReturnType<typeof openSandboxes>>;
  let lessons: Awaited<ReturnType<typeof loadLessonService>>;
  try {
    sandboxes = await openSandboxes({
      // One line per image and phase, not per percent.
      onImageProgress: (p) => {
        if (p.phase === BUILT_PHASE) imageBuilds.push({ image: p.image, seconds: p.seconds });
        if (phases.get(p.image) === p.phase) return;
        phases.set(p.image, p.phase);
        log.info('image', { image: p.image, phase: p.phase });
        preparing.setPhase(`building image ${p.image}: ${p.phase}`);
      },
    });
    preparing.setPhase('loading lessons');
    lessons = await loadLessonService(path.join(ROOT, 'lessons'), sandboxes);
  } finally {
    await preparing.close();
  }
  // With SHIPLAB_PORT=0 the lab keeps the port the preparing page was given.
  const lab = await createLabServer({ backend: localEngineBackend(sandboxes, { dataDir: dataDir() }), lessons, host, port: listenPort || Number(new URL(preparing.url).port), graceMs, publicUrl, trustProxy, imageBuilds });
  console.log(`Shiplab is running at ${lab.url}/${publicUrl ? ` and at ${publicUrl}/` : ''}`);
  console.log(`Instructors: the admin console is at ${publicUrl ?? lab.url}/#/admin`);
  if (lab.firstAdminToken) {
    // Shown this once: only its hash is kept. SHIPLAB_ADMIN_TOKEN sets one of the operator's own.
    console.log(`Admin token (shown only now; keep it, only its hash is stored): ${lab.firstAdminToken}`);
  }

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
