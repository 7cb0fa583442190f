/**
 * A whole lab for e2e tests and the bench: real sandboxes, the real lesson service, the lab
 * server on a random port, and Debian's chromium through playwright-core. close() removes every
 * sandbox this lab created and every browser it launched.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Emitter } from '../../server/common/lifecycle.ts';
import { dataDir as configuredDataDir, ROOT } from '../../server/core/config.ts';
import type { Logger } from '../../server/core/log.ts';
import { createLabServer, type LabServer } from '../../server/app/labApp.ts';
import { localEngineBackend } from '../../server/app/sandboxBackend.ts';
import type { LessonService } from '../../server/lessons/types.ts';
import type { DestroyReason, SandboxInfo, Sandboxes } from '../../server/sandbox/types.ts';
import { localNodeShell } from '../../server/terminal/nodeShell.ts';

export const CHROMIUM = process.env.SHIPLAB_CHROMIUM ?? '/usr/bin/chromium';
/** Flags for a quiet, offline headless chromium (no sandbox: we run as root in a container). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LabOptions {
  /** Terminal grace period, ms (default 60 s). */
  graceMs?: number;
  /** Fake sandboxes and lessons with local bash terminals: fast UI checks without an engine. */
  fake?: boolean;
  /** The lab server's log (default the usual stderr log). */
  log?: Logger;
  /** Workshop settings; the admin token is always ADMIN_TOKEN. */
  workshops?: { idleMs?: number; poolRefillPerMin?: number };
}

/** The admin secret of every test lab. */
export const ADMIN_TOKEN = 'e2e-admin-secret-0123456789abcdef';

export interface Lab {
  url: string;
  server: LabServer;
  sandboxes: Sandboxes;
  lessons: LessonService;
  /** Ids of sandboxes this lab created (removed by close()). */
  created: Set<string>;
  /** A fresh browser context (own cookies) and page at `viewport`. */
  page(viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }>;
  /** Restarts the lab server on the same port and data dir (sandboxes stay). */
  restartServer(): Promise<void>;
  close(): Promise<void>;
}

export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-lab-'));
  const { sandboxes, lessons, dispose } = opts.fake ? fakeCapabilities() : await realCapabilities();
  const created = new Set<string>();
  const tracked: Sandboxes = {
    get engine() {
      return sandboxes.engine;
    },
    async create(owner, onProgress) {
      const info = await sandboxes.create(owner, onProgress);
      created.add(info.id);
      return info;
    },
    get: (id) => sandboxes.get(id),
    list: () => sandboxes.list(),
    touch: (id) => sandboxes.touch(id),
    reassign: (id, owner) => sandboxes.reassign(id, owner),
    extend: (id, expiresAt) => sandboxes.extend(id, expiresAt),
    exec: (id, node, cmd, o) => sandboxes.exec(id, node, cmd, o),
    tcpConnects: (id, from, to, port) => sandboxes.tcpConnects(id, from, to, port),
    engineCreates: (id, from, to) => sandboxes.engineCreates(id, from, to),
    catalogImage: (tag) => sandboxes.catalogImage(tag),
    destroy: (id, reason) => sandboxes.destroy(id, reason),
    onDestroyed: (l) => sandboxes.onDestroyed(l),
    dispose: () => sandboxes.dispose(),
  };
  const serverOpts = {
    backend: localEngineBackend(tracked, { dataDir: configuredDataDir(), shell: opts.fake ? localNodeShell() : undefined }),
    lessons,
    host: '127.0.0.1',
    port: 0,
    dataDir,
    graceMs: opts.graceMs,
    log: opts.log,
    workshops: { ...opts.workshops, adminToken: ADMIN_TOKEN },
  };
  let server = await createLabServer(serverOpts);
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  const lab: Lab = {
    url: server.url,
    server,
    sandboxes: tracked,
    lessons,
    created,
    async page(viewport = { width: 1280, height: 720 }) {
      browser ??= await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
      const context = await browser.newContext({ viewport });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (err) => console.error('[page error]', err.message));
      return { context, page };
    },
    async restartServer() {
      await server.close();
      const port = Number(new URL(server.url).port);
      server = await createLabServer({ ...serverOpts, port });
      lab.server = server;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser?.close().catch(() => undefined);
      await server.close();
      for (const id of created) if (sandboxes.get(id)) await sandboxes.destroy(id, 'requested');
      await dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return lab;
}

async function realCapabilities(): Promise<{ sandboxes: Sandboxes; lessons: LessonService; dispose(): Promise<void> }> {
  const { openSandboxes } = await import('../../server/app/openSandboxes.ts');
  const { loadLessonService } = await import('../../server/lessons/service.ts');
  // adopt: false: other suites' sandboxes are theirs to remove, not ours to reap.
  const sandboxes = await openSandboxes({ adopt: false });
  const lessons = await loadLessonService(path.join(ROOT, 'lessons'), sandboxes);
  return { sandboxes, lessons, dispose: () => sandboxes.dispose() };
}

/** One fake lesson ("fake") with a runnable block, a question step, and an autocheck that passes
 * step 0 once `touch /tmp/shiplab-fake-done` ran (in the local shell). */
export function fakeCapabilities(): { sandboxes: Sandboxes; lessons: LessonService; dispose(): Promise<void> } {
  const destroyed = new Emitter<{ id: string; reason: DestroyReason }>();
  const boxes = new Map<string, SandboxInfo>();
  let n = 0;
  const node = (name: 'node1' | 'remote-docker-engine') => ({ name, container: `fake-${name}`, containerId: name, ip: '10.0.0.1', pid: 1 });
  const sandboxes: Sandboxes = {
    engine: { host: 'unix:///nonexistent', embedded: false } as Sandboxes['engine'],
    async create(owner, onProgress) {
      onProgress?.({ phase: 'creating nodes', percent: 30 });
      await new Promise((r) => setTimeout(r, 300));
      const info: SandboxInfo = {
        id: `fake${++n}`, owner, createdAt: Date.now(), expiresAt: Date.now() + 3_600_000, network: 'fake', subnet: '10.0.0.0/24',
        nodes: { node1: node('node1'), 'remote-docker-engine': node('remote-docker-engine') },
      };
      boxes.set(info.id, info);
      return info;
    },
    get: (id) => boxes.get(id),
    list: () => [...boxes.values()],
    touch() {},
    reassign(id, owner) {
      const b = boxes.get(id);
      if (!b) throw new Error(`no sandbox ${id}`);
      b.owner = owner;
    },
    extend(id, expiresAt) {
      const b = boxes.get(id);
      if (!b) throw new Error(`no sandbox ${id}`);
      b.expiresAt = expiresAt;
    },
    async exec() {
      return { exitCode: 0, stdout: '', stderr: '' };
    },
    async tcpConnects() {
      return 0;
    },
    async engineCreates() {
      return [];
    },
    async catalogImage() {
      return undefined;
    },
    async destroy(id, reason) {
      if (boxes.delete(id)) destroyed.fire({ id, reason });
    },
    onDestroyed: destroyed.event,
    async dispose() {},
  };
  const doneFile = '/tmp/shiplab-fake-done';
  const view = {
    id: 'fake', title: 'A fake lesson', summary: 'For UI tests.', minutes: 1, nodes: ['node1', 'remote-docker-engine'] as const,
    prerequisites: [], order: 0, steps: 2,
    introHtml: '<p>Intro.</p>', recapHtml: '<p>Recap.</p>',
    stepViews: [
      { index: 0, id: 'touch', title: 'Touch a file', html: `<pre class="code runnable" data-node="node1"><code>touch ${doneFile}\necho fake-ran-$((40+2))</code></pre>` },
      { index: 1, id: 'question', title: 'A question', html: '<p>What is 6*7?</p>', question: 'What is 6*7?' },
    ],
  };
  const checkStep = (step: number, answer?: string) => {
    if (step === 0) {
      return fs.existsSync(doneFile)
        ? { status: 'passed' as const, passed: true, found: `${doneFile} exists`, durationMs: 1 }
        : { status: 'not-yet' as const, passed: false, expected: `a file ${doneFile}`, found: 'no such file', hint: { id: 'no-file', text: 'Press Run on the command.' }, durationMs: 1 };
    }
    return answer?.trim() === '42'
      ? { status: 'passed' as const, passed: true, durationMs: 1 }
      : { status: 'not-yet' as const, passed: false, expected: 'the product', found: answer ?? '(no answer)', hint: { id: 'math', text: 'Multiply.' }, durationMs: 1 };
  };
  fs.rmSync(doneFile, { force: true });
  const lessons: LessonService = {
    list: () => [{ ...view, nodes: [...view.nodes] }],
    view: (id) => (id === 'fake' ? { ...view, nodes: [...view.nodes] } : undefined),
    async check(_l, step, _sb, answer) {
      return checkStep(step, answer);
    },
    watch(_l, _sb, passed, onResult) {
      const t = setInterval(() => {
        if (!passed().includes(0)) onResult(0, checkStep(0));
      }, 500);
      return { dispose: () => clearInterval(t) };
    },
  };
  return { sandboxes, lessons, dispose: async () => void fs.rmSync(doneFile, { force: true }) };
}
