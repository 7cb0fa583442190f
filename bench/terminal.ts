/**
 * Terminal bench: the whole path (chromium key → WebSocket → server → node-pty → docker exec →
 * bash in the node → back → xterm.js parsed/rendered) against a raw `docker exec -it` in a local
 * node-pty on the same sandbox, same run.
 *
 *   npx tsx bench/terminal.ts
 *   npx tsx bench/terminal.ts --node    # no browser: the server path at its socket (terminalNode.ts)
 *
 * Measures: keystroke echo p50/p99 (idle, and while another learner floods `yes` in their own
 * sandbox, through the real path from a child process), Ctrl-C under `yes` back to a prompt
 * (SHIPLAB_BENCH_CTRLC_RUNS runs), throughput of 50 MB (`head -c 50000000 /dev/zero | tr '\0' a`), and
 * the server's RSS while flooding. The server runs in its own process (terminalNode.ts'
 * startServer), with the flags npm start gives it. Env: SHIPLAB_BENCH_SAMPLES (echo samples, 200),
 * SHIPLAB_BENCH_MB (throughput MB, 50), SHIPLAB_BENCH_YES_S (seconds of `yes` for RSS, 60),
 * SHIPLAB_BENCH_TP_RUNS (throughput runs of the page and of raw, medians; 3),
 * SHIPLAB_BENCH_RENDERER=dom|webgl (force a renderer; by default the page uses WebGL unless it
 * is software-rendered, as in headless chromium without a GPU), SHIPLAB_BENCH_TRACE=<dir> (a
 * chromium performance trace of each Ctrl-C run, ctrlc-<n>.json, for chrome://tracing or Perfetto:
 * what the page's main thread did between the key and the prompt).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as pty from 'node-pty';
import { chromium, type Page } from 'playwright-core';
import { ROOT } from '../server/core/config.ts';
import { must } from '../server/host/run.ts';
import { SESSION_COOKIE } from '../server/common/api.ts';
import { Op } from '../server/common/frames.ts';
import { LabClient } from '../server/robot/labClient.ts';
import { TermClient } from '../server/robot/termClient.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/helpers/lab.ts';
import { typeIn, waitScreen } from '../test/helpers/labPage.ts';
import { TYPING_RECENT_MS } from '../server/terminal/echoPriority.ts';
import { CTRLC_RUNS, median, nodeBench, sampleRss, startFlood, startServer, TP_RUNS, type Server } from './terminalNode.ts';

const SAMPLES = Number(process.env.SHIPLAB_BENCH_SAMPLES ?? 200);
const MB = Number(process.env.SHIPLAB_BENCH_MB ?? 50);
const YES_S = Number(process.env.SHIPLAB_BENCH_YES_S ?? 60);
/** Where Ctrl-C runs are traced (see the header), or undefined. */
const TRACE_DIR = process.env.SHIPLAB_BENCH_TRACE;
/** `dom` forces xterm's DOM renderer; default lets the page pick WebGL when it can. */
const RENDERER = process.env.SHIPLAB_BENCH_RENDERER === 'dom' ? '?renderer=dom' : process.env.SHIPLAB_BENCH_RENDERER === 'webgl' ? '?renderer=webgl' : '';
/** Characters typed per line before Ctrl-U clears it (no wrapping at 80+ columns). */
const CHARS_PER_LINE = 30;
/** Pause between echo samples: 30 ms is a fast typist (~400 words per minute). */
const TYPING_GAP_MS = 30;
/** The raw pty keeps this much of its latest output to match against. */
const RAW_TAIL_CHARS = 4096;
/** A prompt may take this long to show: the first shell of a cold sandbox, or a redraw behind a flood. */
const PROMPT_TIMEOUT_MS = 120_000;
/** Screen polling for prompts, and for the throughput's end (timed in the page, see there). */
const SCREEN_POLL_MS = 50;
const FLOOD_CMD = `head -c ${MB * 1_000_000} /dev/zero | tr '\\0' a; echo; echo DONE-$((40+2))`;

interface Echo {
  parsedMs: number[];
  renderedMs: number[];
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const mb = (bytes: number) => f1(bytes / 1e6);

/** Installs the in-page probes: key time (capturing keydown), parse and render times. */
async function installProbe(page: Page): Promise<void> {
  await page.evaluate((SKIP_OP) => {
    type View = { term: { buffer: { active: { cursorX: number; baseY: number; cursorY: number; getLine(y: number): { translateToString(t: boolean): string } | undefined } }; onWriteParsed(fn: () => void): unknown; onRender(fn: () => void): unknown }; link: { bytesRendered: number } };
    const w = window as unknown as { __shiplab: { terminals: { view(n: string): View } }; __probe: Record<string, unknown> };
    const probe: Record<string, unknown> = { key: 0, x0: -1, want: '', parsed: 0, rendered: 0, promptAt: 0, skipAt: 0, redrawAt: 0, wantPrompt: false, wantDone: '', doneAt: 0, renders: 0 };
    w.__probe = probe;
    window.addEventListener('keydown', () => (probe.key = performance.now()), { capture: true });
    {
      const v = w.__shiplab.terminals.view('node1');
      v.term.onWriteParsed(() => {
        const b = v.term.buffer.active;
        if (probe.want && !probe.parsed && b.cursorX > 0 && b.cursorX !== probe.x0) {
          const line = b.getLine(b.baseY + b.cursorY)?.translateToString(false) ?? '';
          if (line[b.cursorX - 1] === probe.want) probe.parsed = performance.now();
        }
        if (probe.wantPrompt && !probe.promptAt) {
          const line = b.getLine(b.baseY + b.cursorY)?.translateToString(true).trimEnd() ?? '';
          if (/@[\w-]+:[^\n]*[#$]$/.test(line)) probe.promptAt = performance.now();
        }
        // The throughput's end: its last line parsed, on the cursor's line or one of the two above.
        if (probe.wantDone && !probe.doneAt) {
          for (let dy = 0; dy <= 2; dy++) {
            if (b.getLine(b.baseY + b.cursorY - dy)?.translateToString(true) === probe.wantDone) probe.doneAt = performance.now();
          }
        }
      });
      // The frames of a Ctrl-C skip (server/common/frames.ts): when the page handled the skip
      // frame, and the redraw (or snapshot) that came next.
      const ws = (v.link as unknown as { _ws: WebSocket })._ws;
      const onmessage = ws.onmessage!;
      ws.onmessage = function (this: WebSocket, e: MessageEvent) {
        if (probe.wantPrompt && e.data instanceof ArrayBuffer) {
          const op = new Uint8Array(e.data)[0];
          if (op === SKIP_OP && !probe.skipAt) probe.skipAt = performance.now();
          else if (probe.skipAt && !probe.redrawAt) probe.redrawAt = performance.now();
        }
        return onmessage.call(this, e);
      };
      v.term.onRender(() => {
        (probe.renders as number)++;
        if (probe.parsed && !probe.rendered) probe.rendered = performance.now();
      });
    }
  }, Op.Skip);
}

/** The tab first: typing goes to the terminal shown, and the bench switches between nodes. */
async function typeLine(page: Page, node: string, line: string): Promise<void> {
  await page.click(`.tab[data-node="${node}"]`);
  await typeIn(page, node, line);
}

async function browserEcho(page: Page, samples: number): Promise<Echo> {
  const out: Echo = { parsedMs: [], renderedMs: [] };
  await page.click('.tab[data-node="node1"]');
  await page.click('.terminal[data-node="node1"] .xterm-host');
  for (let i = 0; i < samples; i++) {
    if (i > 0 && i % CHARS_PER_LINE === 0) {
      await page.keyboard.press('Control+U');
      await waitScreen(page, 'node1', /root@node1:~# ?$/m, PROMPT_TIMEOUT_MS, SCREEN_POLL_MS);
    }
    const ch = String.fromCharCode(97 + (i % 26));
    // A typist's pace: the server batches output only inside bursts (< OUTPUT_BATCH_MS apart).
    await page.waitForTimeout(TYPING_GAP_MS);
    await page.evaluate((want) => {
      const w = window as unknown as { __probe: Record<string, unknown>; __shiplab: { terminals: { view(n: string): { term: { buffer: { active: { cursorX: number } } } } } } };
      Object.assign(w.__probe, { key: 0, parsed: 0, rendered: 0, want, x0: w.__shiplab.terminals.view('node1').term.buffer.active.cursorX });
    }, ch);
    await page.keyboard.press(ch);
    const r = await page
      .waitForFunction(() => {
        const p = (window as unknown as { __probe: Record<string, number> }).__probe;
        return p.rendered ? { key: p.key, parsed: p.parsed, rendered: p.rendered } : false;
      }, null, { timeout: 5_000, polling: 'raf' })
      .then((h) => h.jsonValue() as Promise<{ key: number; parsed: number; rendered: number }>);
    out.parsedMs.push(r.parsed - r.key);
    out.renderedMs.push(r.rendered - r.key);
  }
  await page.keyboard.press('Control+U');
  await page.evaluate(() => ((window as unknown as { __probe: Record<string, unknown> }).__probe.want = ''));
  return out;
}

/** Ctrl-C under `yes` in node1: from the page's keydown to the prompt parsed. Split: when the page
 * handled the server's skip frame (`skipMs`) and the redraw that ends the skip (`redrawMs`), and
 * the server's own Ctrl-C → redraw sent (`serverMs`). */
interface CtrlC {
  ms: number;
  skipMs: number;
  redrawMs: number;
  serverMs: number;
  bytesAfter: number;
  /** The server's event-loop delay, max, from 1 s before the key to the prompt (ms). */
  loopMaxMs: number;
  /** The server's longest GC pause in that window (ms). */
  gcMaxMs: number;
  /** The server's Ctrl-C skips on this terminal so far. */
  skips: number;
}

async function browserCtrlC(page: Page, server: Server, tracePath?: string): Promise<CtrlC> {
  await typeLine(page, 'node1', 'yes');
  await page.waitForTimeout(2_000);
  const browser = page.context().browser()!;
  if (tracePath) await browser.startTracing(page, { path: tracePath, screenshots: false });
  // Starts the server's loop-delay window over.
  await server.loopDelay();
  await page.waitForTimeout(1_000);
  await page.evaluate(() => Object.assign((window as unknown as { __probe: Record<string, unknown> }).__probe, { wantPrompt: true, promptAt: 0, skipAt: 0, redrawAt: 0, key: 0 }));
  const rendered = () => page.evaluate(() => (window as unknown as { __shiplab: { terminals: { view(n: string): { link: { bytesRendered: number } } } } }).__shiplab.terminals.view('node1').link.bytesRendered);
  const b0 = await rendered();
  await page.keyboard.press('Control+C');
  const p = await page
    .waitForFunction(() => {
      const p = (window as unknown as { __probe: Record<string, number> }).__probe;
      return p.promptAt ? { key: p.key, skipAt: p.skipAt, redrawAt: p.redrawAt, promptAt: p.promptAt } : false;
    }, null, { timeout: 30_000 })
    .then((h) => h.jsonValue() as Promise<{ key: number; skipAt: number; redrawAt: number; promptAt: number }>);
  const loop = await server.loopDelay();
  if (tracePath) await browser.stopTracing();
  const bytesAfter = (await rendered()) - b0;
  await page.evaluate(() => ((window as unknown as { __probe: Record<string, unknown> }).__probe.wantPrompt = false));
  await typeLine(page, 'node1', 'clear');
  const since = (t: number) => (t ? t - p.key : NaN);
  return { ms: p.promptAt - p.key, skipMs: since(p.skipAt), redrawMs: since(p.redrawAt), serverMs: loop.lastSkipMs, skips: loop.skips, bytesAfter, loopMaxMs: loop.max, gcMaxMs: loop.gcMax };
}

/** 50 MB into the browser: MB the shell wrote per second until the end is on the page's screen
 * (a page that is behind gets less than the shell wrote: what would have scrolled out of its
 * scrollback, server/terminal/scrollCuts.ts), the MB the page received, and the server's RSS
 * samples meanwhile. */
async function browserThroughput(page: Page, server: Server): Promise<{ mbps: number; receivedMb: number; rss: number[]; fps: number }> {
  const rendered = () => page.evaluate(() => (window as unknown as { __shiplab: { terminals: { view(n: string): { link: { bytesRendered: number } } } } }).__shiplab.terminals.view('node1').link.bytesRendered);
  const before = await rendered();
  const sampler = sampleRss(server.pid);
  // Timed in the page, from the Enter key to DONE-42 parsed: typing the command (a CDP round trip
  // a character) and polling the screen are not the shell's output. Raw is timed from its write.
  await page.click('.tab[data-node="node1"]');
  await page.click('.terminal[data-node="node1"] .xterm-host');
  await page.keyboard.type(FLOOD_CMD);
  await page.evaluate(() => Object.assign((window as unknown as { __probe: Record<string, unknown> }).__probe, { wantDone: 'DONE-42', doneAt: 0, key: 0, renders: 0 }));
  await page.keyboard.press('Enter');
  const p = await page
    .waitForFunction(() => {
      const p = (window as unknown as { __probe: Record<string, number> }).__probe;
      return p.doneAt ? { key: p.key, doneAt: p.doneAt, renders: p.renders } : false;
    }, null, { timeout: 600_000, polling: SCREEN_POLL_MS })
    .then((h) => h.jsonValue() as Promise<{ key: number; doneAt: number; renders: number }>);
  const dt = p.doneAt - p.key;
  await page.evaluate(() => ((window as unknown as { __probe: Record<string, unknown> }).__probe.wantDone = ''));
  const rss = sampler.stop();
  const bytes = (await rendered()) - before;
  await typeLine(page, 'node1', 'clear');
  return { mbps: MB / (dt / 1000), receivedMb: bytes / 1e6, rss, fps: p.renders / (dt / 1000) };
}

/** `yes` for YES_S seconds in the browser; the server's RSS meanwhile. */
async function yesRss(page: Page, server: Server): Promise<number[]> {
  await typeLine(page, 'node1', 'yes');
  const sampler = sampleRss(server.pid);
  await new Promise((r) => setTimeout(r, YES_S * 1000));
  const rss = sampler.stop();
  await page.keyboard.press('Control+C');
  await typeLine(page, 'node1', 'clear');
  return rss;
}

/** Throughput over the server path without a browser: the Node TermClient (headless xterm,
 * acking like the page) on the learner's remote-docker-engine terminal. */
async function nodeClientThroughput(url: string, token: string): Promise<number> {
  const client = await LabClient.open(url, { token });
  const t = await TermClient.connect(client, 'remote-docker-engine');
  await t.run('clear');
  const t0 = performance.now();
  t.write(FLOOD_CMD + '\r');
  await t.waitFor(/^DONE-42$/m, 600_000);
  const mbps = MB / ((performance.now() - t0) / 1000);
  t.close();
  return mbps;
}

/** The same measurements on a raw `docker exec -it` in a local node-pty (no server, no browser),
 * one shell for all of them; throughput runs interleave with the page's (see main). */
interface RawTty {
  echo(): Promise<number[]>;
  /** One 50 MB run: MB/s from the write to DONE-42 back. */
  throughput(): Promise<number>;
  ctrlC(): Promise<number>;
  close(): void;
}

async function openRaw(engineHost: string, container: string): Promise<RawTty> {
  const p = pty.spawn('docker', ['-H', engineHost, 'exec', '-it', '-e', 'TERM=xterm-256color', '-w', '/root', container, 'bash', '-l'], {
    name: 'xterm-256color',
    cols: 120,
    rows: 32,
    env: process.env as Record<string, string>,
  });
  let buf = '';
  let bytes = 0;
  const waiters = new Set<() => void>();
  p.onData((d) => {
    // Only the tail matters (echo, prompt, DONE marker); a long buffer would make each check O(n).
    buf = (buf + d).slice(-RAW_TAIL_CHARS);
    bytes += Buffer.byteLength(d);
    for (const w of [...waiters]) w();
  });
  const until = (pred: () => boolean, timeoutMs = 120_000) =>
    new Promise<void>((resolve, reject) => {
      if (pred()) return resolve();
      const t = setTimeout(() => {
        waiters.delete(check);
        reject(new Error('raw pty: timed out'));
      }, timeoutMs);
      const check = () => {
        if (!pred()) return;
        clearTimeout(t);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });
  const prompt = () => /[#$] $/.test(buf.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, ''));
  await until(prompt, 20_000);
  return {
    async echo() {
      const echo: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        if (i > 0 && i % CHARS_PER_LINE === 0) {
          buf = '';
          p.write('\x15');
          await until(prompt, 5_000);
        }
        const ch = String.fromCharCode(97 + (i % 26));
        await new Promise((r) => setTimeout(r, TYPING_GAP_MS));
        buf = '';
        const t0 = performance.now();
        p.write(ch);
        await until(() => buf.endsWith(ch), 5_000);
        echo.push(performance.now() - t0);
      }
      p.write('\x15');
      await new Promise((r) => setTimeout(r, 100));
      return echo;
    },
    async throughput() {
      buf = '';
      const before = bytes;
      const t0 = performance.now();
      p.write(FLOOD_CMD + '\r');
      await until(() => /\nDONE-42\r?\n/.test(buf), 600_000);
      const mbps = (bytes - before) / 1e6 / ((performance.now() - t0) / 1000);
      p.write('clear\r');
      await until(prompt, 20_000);
      return mbps;
    },
    async ctrlC() {
      p.write('yes\r');
      await new Promise((r) => setTimeout(r, 3_000));
      buf = '';
      const c0 = performance.now();
      p.write('\x03');
      await until(() => buf.includes('^C') && prompt(), 30_000);
      const ms = performance.now() - c0;
      p.write('clear\r');
      await until(prompt, 20_000);
      return ms;
    },
    close() {
      p.kill();
    },
  };
}

async function main(): Promise<void> {
  console.log(`terminal bench: ${SAMPLES} echo samples, ${MB} MB throughput, ${YES_S} s of yes`);
  await must(path.join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: ROOT });
  // The server in its own process with the flags npm start gives it, as in the Node bench: its
  // event loop, GC and RSS are its own, not shared with playwright's client in this process.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-bench-terminal-'));
  const server = await startServer(dataDir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const learners: LabClient[] = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  /** The page's learner, from its session cookie (set by the page's first API call). */
  const pageLearner = async () => {
    const token = (await context.cookies()).find((c) => c.name === SESSION_COOKIE)?.value;
    return token === undefined ? undefined : LabClient.open(server.url, { token });
  };
  const cleanUp = async () => {
    // The page's sandbox too, if the run ended before the page's learner was known.
    if (learners.length === 0) await pageLearner().then((l) => l && learners.push(l)).catch(() => undefined);
    await browser.close().catch(() => undefined);
    // The server leaves sandboxes running when it stops (its next start would adopt them), and
    // its data directory goes: remove them first.
    await Promise.all(learners.map((l) => l.stopSandbox().catch((err: Error) => console.error(`bench: removing a sandbox failed: ${err.message}`))));
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const stop = () => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('[page error]', err.message));
    await page.goto(`${server.url}/${RENDERER}#/lesson/welcome`);
    await page.waitForSelector('.terminal[data-node="node1"][data-state="open"]', { timeout: 300_000 });
    // The page's learner: its sandbox is removed at the end like the other learner's.
    const learner = (await pageLearner())!;
    learners.push(learner);
    const token = learner.token;
    await waitScreen(page, 'node1', /root@node1:~# ?$/m, PROMPT_TIMEOUT_MS, SCREEN_POLL_MS);
    await page.click('.tab[data-node="remote-docker-engine"]');
    await page.waitForSelector('.terminal[data-node="remote-docker-engine"][data-state="open"]', { timeout: 30_000 });
    await page.click('.tab[data-node="node1"]');
    const renderer = await page.evaluate(() => (window as unknown as { __shiplab: { terminals: { view(n: string): { renderer: string } } } }).__shiplab.terminals.view('node1').renderer);
    await installProbe(page);
    const sandboxId = (await learner.sandbox()).id!;
    // The server's RSS with both terminals open and quiet: what the flood figures compare to.
    const idleSampler = sampleRss(server.pid);
    await new Promise((r) => setTimeout(r, 2_000));
    const idleRss = pct(idleSampler.stop(), 50);

    const step = (what: string) => console.log(`… ${what}`);
    step('echo, idle');
    const idle = await browserEcho(page, SAMPLES);
    step('echo, while another learner floods `yes` in their own sandbox');
    const other = await LabClient.open(server.url);
    learners.push(other);
    const otherBox = await other.startSandbox('welcome');
    const flood = await startFlood(server.url, other.token, 'shiplab', server.engineHost, `shiplab-${otherBox.id}-node1`);
    const loaded = await browserEcho(page, SAMPLES);
    await flood.stop();
    step(`Ctrl-C under yes, ${CTRLC_RUNS} runs`);
    const ctrlCs: CtrlC[] = [];
    for (let i = 0; i < CTRLC_RUNS; i++) ctrlCs.push(await browserCtrlC(page, server, TRACE_DIR && path.join(TRACE_DIR, `ctrlc-${i}.json`)));
    const ctrlC = ctrlCs.reduce((a, b) => (b.ms > a.ms ? b : a));
    step(`throughput of ${MB} MB, ${TP_RUNS} runs each, the page's and raw interleaved`);
    // Raw is a docker exec into the same node: each pair ran within seconds of each other, on a
    // machine whose raw rate drifts by 2× over minutes.
    const rawTty = await openRaw(server.engineHost, `shiplab-${sandboxId}-node1`);
    const tps: Awaited<ReturnType<typeof browserThroughput>>[] = [];
    const rawTps: number[] = [];
    for (let i = 0; i < TP_RUNS; i++) {
      tps.push(await browserThroughput(page, server));
      rawTps.push(await rawTty.throughput());
    }
    const tp = median(tps);
    step(`yes for ${YES_S} s`);
    const rssYes = YES_S > 0 ? await yesRss(page, server) : [];
    step('throughput over the Node client');
    // Alone: while another terminal has typed in the last TYPING_RECENT_MS, a flood yields the
    // event loop every read and is compacted less (server/terminal/terminalSession.ts).
    await new Promise((r) => setTimeout(r, TYPING_RECENT_MS + 500));
    const nodeMbps = await nodeClientThroughput(server.url, token);
    step('raw docker exec -it');
    const r = { echo: await rawTty.echo(), ctrlC: await rawTty.ctrlC() };
    rawTty.close();

    const row = (name: string, xs: number[]) => `  ${name.padEnd(44)} p50 ${f1(pct(xs, 50)).padStart(6)} ms   p99 ${f1(pct(xs, 99)).padStart(6)} ms`;
    console.log(`\nrenderer in chromium: ${renderer}`);
    console.log('keystroke echo (key → parsed / rendered in the page; raw: write → bytes back)');
    console.log(row('browser, idle, parsed', idle.parsedMs));
    console.log(row('browser, idle, rendered', idle.renderedMs));
    console.log(row('browser, another learner flooding, parsed', loaded.parsedMs));
    console.log(row('browser, another learner flooding, rendered', loaded.renderedMs));
    console.log(row('raw docker exec -it (node-pty)', r.echo));
    console.log(`Ctrl-C under yes → prompt:  browser ${ctrlCs.map((c) => c.ms.toFixed(0)).join(', ')} ms (worst: ${f1(ctrlC.ms)} ms, ${mb(ctrlC.bytesAfter)} MB still arrived after ^C)   raw ${f1(r.ctrlC)} ms`);
    console.log(`  split (ms): server Ctrl-C → redraw sent ${ctrlCs.map((c) => c.serverMs.toFixed(0)).join(', ')}; page key → skip frame handled ${ctrlCs.map((c) => c.skipMs.toFixed(0)).join(', ')}; → redraw handled ${ctrlCs.map((c) => c.redrawMs.toFixed(0)).join(', ')}; server event-loop delay max ${ctrlCs.map((c) => c.loopMaxMs.toFixed(0)).join(', ')} (longest GC ${ctrlCs.map((c) => c.gcMaxMs.toFixed(0)).join(', ')})`);
    const rawMbps = pct(rawTps, 50);
    console.log(`throughput ${MB} MB (medians of ${TP_RUNS}):  browser ${f1(tp.mbps)} MB/s (${f1(tp.receivedMb)} MB received)   Node client ${f1(nodeMbps)} MB/s   raw ${f1(rawMbps)} MB/s`);
    console.log(`  each run: browser ${tps.map((t) => f1(t.mbps)).join(', ')} (frames drawn a second: ${tps.map((t) => t.fps.toFixed(0)).join(', ')}); raw ${rawTps.map(f1).join(', ')}; ratio of each pair ${tps.map((t, i) => f2(t.mbps / rawTps[i]!)).join(', ')}`);
    const tpRssMax = Math.max(...tp.rss);
    console.log(
      `server RSS: idle ${mb(idleRss)} MB; ${MB} MB throughput max ${mb(tpRssMax)} MB (${f2(tpRssMax / idleRss)}×)` +
        (rssYes.length ? `; yes ${YES_S} s max ${mb(Math.max(...rssYes))} MB (${f2(Math.max(...rssYes) / idleRss)}×)` : ''),
    );
    console.log(`Ctrl-C skips to a redraw: ${ctrlCs.at(-1)?.skips ?? 0} of ${CTRLC_RUNS} Ctrl-Cs`);
    console.log('\nratios (browser / raw):');
    console.log(`  echo p50 idle      parsed ${f1(pct(idle.parsedMs, 50) / pct(r.echo, 50))}×, rendered ${f1(pct(idle.renderedMs, 50) / pct(r.echo, 50))}×`);
    console.log(`  echo p50 flooding  parsed ${f1(pct(loaded.parsedMs, 50) / pct(r.echo, 50))}×, rendered ${f1(pct(loaded.renderedMs, 50) / pct(r.echo, 50))}×`);
    console.log(`  throughput         ${(tp.mbps / rawMbps).toFixed(2)}× (medians), ${f2(pct(tps.map((t, i) => t.mbps / rawTps[i]!), 50))}× (median of the pairs)`);
    console.log(`  Ctrl-C             ${f1(ctrlC.ms / r.ctrlC)}×`);
  } finally {
    await cleanUp();
  }
}

(process.argv.includes('--node') || process.env.SHIPLAB_BENCH_CLIENT === 'node' ? nodeBench() : main()).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
