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
 * the server's RSS while flooding. Env: SHIPLAB_BENCH_SAMPLES (echo samples, 200),
 * SHIPLAB_BENCH_MB (throughput MB, 50), SHIPLAB_BENCH_YES_S (seconds of `yes` for RSS, 60),
 * SHIPLAB_BENCH_TP_RUNS (throughput runs of the page and of raw, medians; 3),
 * SHIPLAB_BENCH_RENDERER=dom|webgl (force a renderer; by default the page uses WebGL unless it
 * is software-rendered, as in headless chromium without a GPU), SHIPLAB_BENCH_TRACE=<dir> (a
 * chromium performance trace of each Ctrl-C run, ctrlc-<n>.json, for chrome://tracing or Perfetto:
 * what the page's main thread did between the key and the prompt).
 */
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as pty from 'node-pty';
import type { Page } from 'playwright-core';
import { ROOT } from '../server/core/config.ts';
import { must } from '../server/host/run.ts';
import { SESSION_COOKIE } from '../server/common/api.ts';
import { Op } from '../server/common/frames.ts';
import { LabClient } from '../server/robot/labClient.ts';
import { TermClient } from '../server/robot/termClient.ts';
import { startLab, type Lab } from '../test/helpers/lab.ts';
import { typeIn, waitScreen } from '../test/helpers/labPage.ts';
import { TYPING_RECENT_MS } from '../server/terminal/echoPriority.ts';
import { CTRLC_RUNS, median, nodeBench, startFlood, TP_RUNS } from './terminalNode.ts';

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
/** Screen polling: the throughput's end is seen at most this late. */
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
const mb = (bytes: number) => f1(bytes / 1e6);

/** Installs the in-page probes: key time (capturing keydown), parse and render times. */
async function installProbe(page: Page): Promise<void> {
  await page.evaluate((SKIP_OP) => {
    type View = { term: { buffer: { active: { cursorX: number; baseY: number; cursorY: number; getLine(y: number): { translateToString(t: boolean): string } | undefined } }; onWriteParsed(fn: () => void): unknown; onRender(fn: () => void): unknown }; link: { bytesRendered: number } };
    const w = window as unknown as { __shiplab: { terminals: { view(n: string): View } }; __probe: Record<string, unknown> };
    const probe: Record<string, unknown> = { key: 0, x0: -1, want: '', parsed: 0, rendered: 0, promptAt: 0, skipAt: 0, redrawAt: 0, wantPrompt: false };
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
}

async function browserCtrlC(page: Page, lab: Lab, tracePath?: string): Promise<CtrlC> {
  await typeLine(page, 'node1', 'yes');
  await page.waitForTimeout(2_000);
  const browser = page.context().browser()!;
  if (tracePath) await browser.startTracing(page, { path: tracePath, screenshots: false });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
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
  loop.disable();
  if (tracePath) await browser.stopTracing();
  const bytesAfter = (await rendered()) - b0;
  await page.evaluate(() => ((window as unknown as { __probe: Record<string, unknown> }).__probe.wantPrompt = false));
  const serverMs = lab.server.terminals.stats().find((s) => s.node === 'node1' && s.attached)?.lastSkipMs ?? NaN;
  await typeLine(page, 'node1', 'clear');
  const since = (t: number) => (t ? t - p.key : NaN);
  return { ms: p.promptAt - p.key, skipMs: since(p.skipAt), redrawMs: since(p.redrawAt), serverMs, bytesAfter, loopMaxMs: loop.max / 1e6 };
}

/** 50 MB into the browser: MB the shell wrote per second until the end is on the page's screen
 * (a page that is behind gets less than the shell wrote: what would have scrolled out of its
 * scrollback, server/terminal/scrollCuts.ts), the MB the page received, and the bench process's
 * RSS samples meanwhile. */
async function browserThroughput(page: Page): Promise<{ mbps: number; receivedMb: number; rss: number[] }> {
  const rendered = () => page.evaluate(() => (window as unknown as { __shiplab: { terminals: { view(n: string): { link: { bytesRendered: number } } } } }).__shiplab.terminals.view('node1').link.bytesRendered);
  const before = await rendered();
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 250);
  const t0 = performance.now();
  await typeLine(page, 'node1', FLOOD_CMD);
  await waitScreen(page, 'node1', /^DONE-42$/m, 600_000, SCREEN_POLL_MS);
  const dt = performance.now() - t0;
  clearInterval(sampler);
  const bytes = (await rendered()) - before;
  await typeLine(page, 'node1', 'clear');
  return { mbps: MB / (dt / 1000), receivedMb: bytes / 1e6, rss };
}

/** `yes` for YES_S seconds in the browser; the bench process's RSS (the server lives in it). */
async function yesRss(page: Page): Promise<number[]> {
  const rss: number[] = [];
  await typeLine(page, 'node1', 'yes');
  const until = Date.now() + YES_S * 1000;
  while (Date.now() < until) {
    rss.push(process.memoryUsage().rss);
    await new Promise((r) => setTimeout(r, 1000));
  }
  await page.keyboard.press('Control+C');
  await typeLine(page, 'node1', 'clear');
  return rss;
}

/** Throughput over the server path without a browser: the Node TermClient (headless xterm,
 * acking like the page) on the learner's remote-docker-engine terminal. */
async function nodeClientThroughput(lab: Lab, token: string): Promise<number> {
  const client = await LabClient.open(lab.url, { token });
  const t = await TermClient.connect(client, 'remote-docker-engine');
  await t.run('clear');
  const t0 = performance.now();
  t.write(FLOOD_CMD + '\r');
  await t.waitFor(/^DONE-42$/m, 600_000);
  const mbps = MB / ((performance.now() - t0) / 1000);
  t.close();
  return mbps;
}

/** The same measurements on a raw `docker exec -it` in a local node-pty (no server, no browser). */
async function raw(lab: Lab, sandboxId: string): Promise<{ echo: number[]; tpRuns: { mbps: number }[]; ctrlC: number }> {
  const sb = lab.sandboxes.get(sandboxId)!;
  const p = pty.spawn('docker', ['-H', lab.sandboxes.engine.host, 'exec', '-it', '-e', 'TERM=xterm-256color', '-w', '/root', sb.nodes.node1.container, 'bash', '-l'], {
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
  const tpRuns: { mbps: number }[] = [];
  for (let i = 0; i < TP_RUNS; i++) {
    buf = '';
    const before = bytes;
    const t0 = performance.now();
    p.write(FLOOD_CMD + '\r');
    await until(() => /\nDONE-42\r?\n/.test(buf), 600_000);
    tpRuns.push({ mbps: (bytes - before) / 1e6 / ((performance.now() - t0) / 1000) });
    p.write('clear\r');
    await until(prompt, 20_000);
  }
  p.write('yes\r');
  await new Promise((r) => setTimeout(r, 3_000));
  buf = '';
  const c0 = performance.now();
  p.write('\x03');
  await until(() => buf.includes('^C') && prompt(), 30_000);
  const ctrlC = performance.now() - c0;
  p.kill();
  return { echo, tpRuns, ctrlC };
}

async function main(): Promise<void> {
  console.log(`terminal bench: ${SAMPLES} echo samples, ${MB} MB throughput, ${YES_S} s of yes`);
  // In a child process, so the build's memory does not count in the RSS measured below.
  await must(path.join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: ROOT });
  const lab = await startLab();
  const stop = () => void lab.close().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const { page } = await lab.page({ width: 1280, height: 720 });
    await page.goto(`${lab.url}/${RENDERER}#/lesson/welcome`);
    await page.waitForSelector('.terminal[data-node="node1"][data-state="open"]', { timeout: 300_000 });
    await waitScreen(page, 'node1', /root@node1:~# ?$/m, PROMPT_TIMEOUT_MS, SCREEN_POLL_MS);
    await page.click('.tab[data-node="remote-docker-engine"]');
    await page.waitForSelector('.terminal[data-node="remote-docker-engine"][data-state="open"]', { timeout: 30_000 });
    await page.click('.tab[data-node="node1"]');
    const renderer = await page.evaluate(() => (window as unknown as { __shiplab: { terminals: { view(n: string): { renderer: string } } } }).__shiplab.terminals.view('node1').renderer);
    await installProbe(page);
    const sandboxId = [...lab.created][0]!;

    const step = (what: string) => console.log(`… ${what}`);
    step('echo, idle');
    const idle = await browserEcho(page, SAMPLES);
    step('echo, while another learner floods `yes` in their own sandbox');
    const other = await LabClient.open(lab.url);
    const otherBox = await other.startSandbox('welcome');
    const flood = await startFlood(lab.url, other.token, 'shiplab', lab.sandboxes.engine.host, `shiplab-${otherBox.id}-node1`);
    const loaded = await browserEcho(page, SAMPLES);
    await flood.stop();
    step(`Ctrl-C under yes, ${CTRLC_RUNS} runs`);
    const ctrlCs: CtrlC[] = [];
    for (let i = 0; i < CTRLC_RUNS; i++) ctrlCs.push(await browserCtrlC(page, lab, TRACE_DIR && path.join(TRACE_DIR, `ctrlc-${i}.json`)));
    const ctrlC = ctrlCs.reduce((a, b) => (b.ms > a.ms ? b : a));
    step(`throughput of ${MB} MB`);
    const tps: Awaited<ReturnType<typeof browserThroughput>>[] = [];
    for (let i = 0; i < TP_RUNS; i++) tps.push(await browserThroughput(page));
    const tp = median(tps);
    step(`yes for ${YES_S} s`);
    const rssYes = YES_S > 0 ? await yesRss(page) : [];
    const stats = lab.server.terminals.stats();
    step('throughput over the Node client');
    // Alone: while another terminal has typed in the last TYPING_RECENT_MS, a flood yields the
    // event loop every read and is compacted less (server/terminal/terminalSession.ts).
    await new Promise((r) => setTimeout(r, TYPING_RECENT_MS + 500));
    const token = (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE)!.value;
    const nodeMbps = await nodeClientThroughput(lab, token);
    step('raw docker exec -it');
    const r = await raw(lab, sandboxId);

    const row = (name: string, xs: number[]) => `  ${name.padEnd(44)} p50 ${f1(pct(xs, 50)).padStart(6)} ms   p99 ${f1(pct(xs, 99)).padStart(6)} ms`;
    console.log(`\nrenderer in chromium: ${renderer}`);
    console.log('keystroke echo (key → parsed / rendered in the page; raw: write → bytes back)');
    console.log(row('browser, idle, parsed', idle.parsedMs));
    console.log(row('browser, idle, rendered', idle.renderedMs));
    console.log(row('browser, another learner flooding, parsed', loaded.parsedMs));
    console.log(row('browser, another learner flooding, rendered', loaded.renderedMs));
    console.log(row('raw docker exec -it (node-pty)', r.echo));
    console.log(`Ctrl-C under yes → prompt:  browser ${ctrlCs.map((c) => c.ms.toFixed(0)).join(', ')} ms (worst: ${f1(ctrlC.ms)} ms, ${mb(ctrlC.bytesAfter)} MB still arrived after ^C)   raw ${f1(r.ctrlC)} ms`);
    console.log(`  split (ms): server Ctrl-C → redraw sent ${ctrlCs.map((c) => c.serverMs.toFixed(0)).join(', ')}; page key → skip frame handled ${ctrlCs.map((c) => c.skipMs.toFixed(0)).join(', ')}; → redraw handled ${ctrlCs.map((c) => c.redrawMs.toFixed(0)).join(', ')}; server event-loop delay max ${ctrlCs.map((c) => c.loopMaxMs.toFixed(0)).join(', ')}`);
    const rawMbps = median(r.tpRuns).mbps;
    console.log(`throughput ${MB} MB (medians of ${TP_RUNS}):  browser ${f1(tp.mbps)} MB/s (${f1(tp.receivedMb)} MB received)   Node client ${f1(nodeMbps)} MB/s   raw ${f1(rawMbps)} MB/s`);
    console.log(`  each run: browser ${tps.map((t) => f1(t.mbps)).join(', ')}; raw ${r.tpRuns.map((t) => f1(t.mbps)).join(', ')}`);
    console.log(
      `bench-process RSS (server + playwright driver): throughput max ${mb(Math.max(...tp.rss))} MB; ` +
        (rssYes.length ? `yes ${YES_S}s start ${mb(rssYes[0]!)} MB, max ${mb(Math.max(...rssYes))} MB, end ${mb(rssYes.at(-1)!)} MB` : ''),
    );
    console.log(`Ctrl-C skips to a redraw: ${stats.map((s) => `${s.node}=${s.skips}`).join(' ')}`);
    console.log(`server flow control: max unacked ${Math.max(...stats.map((s) => s.maxUnacked))} B, pty pauses ${stats.map((s) => `${s.node}=${s.pauses}`).join(' ')}`);
    console.log('\nratios (browser / raw):');
    console.log(`  echo p50 idle      parsed ${f1(pct(idle.parsedMs, 50) / pct(r.echo, 50))}×, rendered ${f1(pct(idle.renderedMs, 50) / pct(r.echo, 50))}×`);
    console.log(`  echo p50 flooding  parsed ${f1(pct(loaded.parsedMs, 50) / pct(r.echo, 50))}×, rendered ${f1(pct(loaded.renderedMs, 50) / pct(r.echo, 50))}×`);
    console.log(`  throughput         ${(tp.mbps / rawMbps).toFixed(2)}×`);
    console.log(`  Ctrl-C             ${f1(ctrlC.ms / r.ctrlC)}×`);
  } finally {
    await lab.close();
  }
}

(process.argv.includes('--node') || process.env.SHIPLAB_BENCH_CLIENT === 'node' ? nodeBench() : main()).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
