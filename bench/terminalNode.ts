/**
 * Terminal bench, Node-client mode: the server path measured at the server's socket, with no
 * browser, against a raw `docker exec -it` into the same node in a local node-pty, in one run.
 *
 *   npx tsx bench/terminal.ts --node
 *
 * The lab server runs as its own process (this file with --serve: openSandboxes + createLabServer,
 * a fresh data directory, no adoption), so its RSS is its own and the clients' parsing does not
 * run on its event loop. Learner A's node1 terminal is a TermClient in this process (the headless
 * xterm and the acks the page has); the echo time is from the input frame's send to the output
 * frame's arrival (loopback, so at the server's socket). Learner B (another sandbox) floods `yes`
 * from a child process: through the real path (WebSocket, frames, acks; see wireTty) while
 * Shiplab is measured, through a raw `docker exec -it` in a pty while raw is measured, and both
 * ways round. Throughput compares the same two readers (neither parses), then the TermClient.
 * Echo samples alternate Shiplab and raw, key by key, so both see the same machine.
 *
 * Figures: echo idle p50/p99, echo while B floods p50/p99, Shiplab's echo hop by hop (the client's
 * times against the server's, server/terminal/echoTrace.ts), Ctrl-C under `yes` → prompt (each of
 * SHIPLAB_BENCH_CTRLC_RUNS runs), throughput of SHIPLAB_BENCH_MB MB into the client, server RSS
 * idle and during the flood, with ratios. Env: SHIPLAB_BENCH_SAMPLES (1000), SHIPLAB_BENCH_MB (50),
 * SHIPLAB_BENCH_CTRLC_RUNS (5), SHIPLAB_BENCH_TP_RUNS (3), SHIPLAB_BENCH_FLOOD_S (warm-up of a flood before sampling, 3),
 * SHIPLAB_BENCH_PROF (a directory: the server writes a V8 CPU profile there),
 * SHIPLAB_BENCH_SERVER_FLAGS (more node flags for the server, e.g. --trace-gc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import diagnostics_channel from 'node:diagnostics_channel';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as pty from 'node-pty';
import { WebSocket } from 'ws';
import { frames } from '../server/common/frames.ts';
import { TerminalReceiver } from '../server/common/terminalReceiver.ts';
import { ROOT } from '../server/core/config.ts';
import { SERVER_NODE_FLAGS } from '../server/core/nodeFlags.ts';
import { LabClient } from '../server/robot/labClient.ts';
import { TermClient } from '../server/robot/termClient.ts';
import { ECHO_TRACE_CHANNEL, monotonicMs, type EchoTiming } from '../server/terminal/echoTrace.ts';

const SELF = fileURLToPath(import.meta.url);
/** Echo samples per terminal and phase. A p99 of 1,000 is the 10th-slowest sample; of 300 it was
 * the 3rd, and raw's own idle p99 moved from 4.5 to 9.5 ms between runs here. */
const SAMPLES = Number(process.env.SHIPLAB_BENCH_SAMPLES ?? 1000);
const MB = Number(process.env.SHIPLAB_BENCH_MB ?? 50);
export const CTRLC_RUNS = Number(process.env.SHIPLAB_BENCH_CTRLC_RUNS ?? 5);
/** Throughput runs of each path, interleaved (Shiplab, raw, Shiplab, …): one run's rate moved
 * between 18 and 30 MB/s from run to run here, raw's as much as Shiplab's. */
export const TP_RUNS = Number(process.env.SHIPLAB_BENCH_TP_RUNS ?? 3);
const FLOOD_WARMUP_MS = Number(process.env.SHIPLAB_BENCH_FLOOD_S ?? 3) * 1000;
/** Characters typed per line before Ctrl-U clears it (no wrapping at 120 columns). */
const CHARS_PER_LINE = 30;
/** Pause between echo samples: 30 ms is a fast typist (~400 words per minute). */
const TYPING_GAP_MS = 30;
const TAIL_CHARS = 4096;
const FLOOD_CMD = `head -c ${MB * 1_000_000} /dev/zero | tr '\\0' a; echo; echo DONE-$((40+2))`;
/** A prompt at the end of the output, after escape sequences are removed. */
const PROMPT_END = /@[\w-]+:[^\n]*[#$] $/;
/** The prompt counts once output has been quiet this long after it. */
const QUIET_MS = 300;
const LESSON = 'welcome';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** ms on the machine's monotonic clock, which the server's echo timings (echoTrace.ts) use too. */
const now = monotonicMs;
const plain = (s: string) => s.replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '').replace(/\x1b\[[0-9;?<>=!]*[ -/]*[@-~]/g, '').replace(/\x1b[()][0-9A-Za-z]/g, '').replace(/\r/g, '');

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
/** The run with the median rate. */
export const median = <T extends { mbps: number }>(runs: T[]): T => [...runs].sort((x, y) => x.mbps - y.mbps)[Math.floor((runs.length - 1) / 2)]!;
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');

/** One terminal as the bench sees it: keys in, text out with the time it arrived. */
interface Tty {
  write(s: string): void;
  /** Everything since the last mark(), and when the last piece of it arrived. */
  readonly tail: string;
  readonly lastAt: number;
  readonly bytes: number;
  mark(): void;
  /** Calls `fn` on each piece of output until the returned function is called. */
  onData(fn: () => void): () => void;
  close(): void;
}

function ttyOf(write: (s: string) => void, subscribe: (fn: (d: string) => void) => void, close: () => void): Tty {
  const listeners = new Set<() => void>();
  const t = {
    tail: '',
    lastAt: 0,
    bytes: 0,
    write,
    mark() {
      t.tail = '';
      t.lastAt = 0;
    },
    onData(fn: () => void) {
      listeners.add(fn);
      return () => void listeners.delete(fn);
    },
    close,
  };
  subscribe((d) => {
    t.lastAt = now();
    t.bytes += Buffer.byteLength(d);
    t.tail = (t.tail + d).slice(-TAIL_CHARS);
    for (const l of listeners) l();
  });
  return t;
}

function shiplabTty(c: TermClient): Tty {
  return ttyOf((s) => c.write(s), (fn) => c.onOutput(fn), () => c.close());
}

/**
 * Shiplab's path with a client that takes output the way the raw pty's reader does: frames are
 * decoded and acknowledged (TerminalReceiver, as the page does) on arrival, with no screen to
 * parse them into. Used where a parsing client would measure its own parser, not the path: the
 * flooding learner (whose browser runs on their own machine, not on the server's cores) and the
 * throughput beside raw.
 */
async function wireTty(client: LabClient, node: 'node1'): Promise<Tty> {
  const ws = new WebSocket(client.terminalUrl(node), { headers: { cookie: client.cookie }, perMessageDeflate: false });
  const decoder = new TextDecoder();
  // What arrives before the bench listens (the snapshot: the prompt) is kept for it.
  let early = '';
  let deliver: (d: string) => void = (d) => (early += d);
  let snapshot: () => void = () => {};
  const got = new Promise<void>((r) => (snapshot = r));
  const receiver = new TerminalReceiver({
    snapshot: (_c, _r, data, done) => {
      deliver(new TextDecoder().decode(data));
      done();
      snapshot();
    },
    output: (data, rendered) => {
      deliver(decoder.decode(data, { stream: true }));
      rendered();
    },
    exit: () => {},
  });
  ws.on('message', (d: Buffer) => receiver.receive(d, (ack) => ws.readyState === ws.OPEN && ws.send(ack)));
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  ws.send(frames.resize(120, 32));
  await got;
  return ttyOf(
    (s) => ws.send(frames.input(s)),
    (fn) => {
      deliver = fn;
      if (early) fn(early);
    },
    () => ws.close(1000, 'bench done'),
  );
}

function rawTty(engineHost: string, container: string): Tty {
  const p = pty.spawn('docker', ['-H', engineHost, 'exec', '-it', '-e', 'TERM=xterm-256color', '-w', '/root', container, 'bash', '-l'], {
    name: 'xterm-256color',
    cols: 120,
    rows: 32,
    env: process.env as Record<string, string>,
  });
  return ttyOf((s) => p.write(s), (fn) => p.onData(fn), () => p.kill());
}

async function until(t: Tty, pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!pred()) {
    if (now() > deadline) throw new Error(`${what}: timed out; the tail: ${JSON.stringify(plain(t.tail).slice(-200))}`);
    await new Promise<void>((resolve) => {
      const off = t.onData(() => done());
      const timer = setTimeout(() => done(), 5);
      const done = () => {
        clearTimeout(timer);
        off();
        resolve();
      };
    });
  }
}

/** Waits for a prompt followed by QUIET_MS of silence; returns when the prompt's last byte came. */
async function quietPrompt(t: Tty, timeoutMs = 60_000): Promise<number> {
  const deadline = now() + timeoutMs;
  for (;;) {
    if (PROMPT_END.test(plain(t.tail)) && now() - t.lastAt >= QUIET_MS) return t.lastAt;
    if (now() > deadline) throw new Error(`no quiet prompt: ${JSON.stringify(plain(t.tail).slice(-200))}`);
    await sleep(10);
  }
}

/** One echo: when the key was sent and when its echo arrived (now(), to line up with the
 * server's EchoTiming). */
interface Echo {
  sentAt: number;
  arrivedAt: number;
}

/** One echo sample: send a key, wait for it to come back. */
async function echoOnce(t: Tty, ch: string): Promise<Echo> {
  t.mark();
  const sentAt = now();
  t.write(ch);
  // The first byte back is the echo (bash in raw mode echoes the key alone).
  await new Promise<void>((resolve) => {
    const off = t.onData(() => {
      if (!t.tail.includes(ch)) return;
      off();
      resolve();
    });
  });
  return { sentAt, arrivedAt: t.lastAt };
}

/** Echo samples alternating between the terminals, key by key. */
async function echoes(ttys: Tty[], samples: number): Promise<Echo[][]> {
  const out = ttys.map(() => [] as Echo[]);
  for (let i = 0; i < samples; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    for (const [k, t] of ttys.entries()) {
      if (i > 0 && i % CHARS_PER_LINE === 0) {
        t.write('\x15');
        await sleep(50);
      }
      await sleep(TYPING_GAP_MS);
      out[k]!.push(await withTimeout(echoOnce(t, ch), 10_000, `echo of ${ch}`));
    }
  }
  for (const t of ttys) t.write('\x15');
  await sleep(200);
  return out;
}

/** Where Shiplab's echoes spent their time, hop by hop (ms): each echo is matched with the
 * keystroke the server wrote between its send and its arrival (echoTrace.ts; one clock). */
interface EchoHops {
  /** The client's send → the server wrote the key to the shell: loopback, WebSocket, frame. */
  in: number[];
  /** Written → the shell's echo read back: the host engine, the node's pty and shell, the path
   * raw `docker exec -it` takes too (raw adds its CLI and a local pty). */
  engine: number[];
  /** Read → about to write to the socket: the server's own work. */
  server: number[];
  /** The write to the socket → arrived in the client. */
  out: number[];
  matched: number;
  of: number;
}

function echoHops(samples: Echo[], timings: EchoTiming[]): EchoHops {
  const hops: EchoHops = { in: [], engine: [], server: [], out: [], matched: 0, of: samples.length };
  for (const e of samples) {
    const t = timings.find((x) => x.sent !== undefined && x.written >= e.sentAt && x.sent <= e.arrivedAt);
    if (!t) continue;
    hops.matched++;
    hops.in.push(t.written - e.sentAt);
    hops.engine.push(t.read - t.written);
    hops.server.push(t.sent! - t.read);
    hops.out.push(e.arrivedAt - t.sent!);
  }
  return hops;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`${what}: no answer within ${ms} ms`)))]);
}

/** Ctrl-C under `yes` → the prompt's arrival, ms. */
async function ctrlC(t: Tty): Promise<number> {
  t.write('yes\r');
  await sleep(2_000);
  t.mark();
  const t0 = now();
  t.write('\x03');
  const at = await quietPrompt(t, 30_000);
  t.write('clear\r');
  await quietPrompt(t);
  return at - t0;
}

/** MB of the command's output per second until its end is in the client (the shell writes MB
 * MB; a client that was behind got less: what would have scrolled out of its scrollback, see
 * server/terminal/scrollCuts.ts), and the MB the client actually received. */
async function throughput(t: Tty): Promise<{ mbps: number; receivedMb: number }> {
  t.mark();
  const b0 = t.bytes;
  const t0 = now();
  t.write(FLOOD_CMD + '\r');
  await until(t, () => /\nDONE-42\r?\n/.test(t.tail), 'throughput', 600_000);
  const mbps = MB / ((now() - t0) / 1000);
  const receivedMb = (t.bytes - b0) / 1e6;
  t.write('clear\r');
  await quietPrompt(t);
  return { mbps, receivedMb };
}

// ---- processes ----------------------------------------------------------------------------------

export interface Server {
  url: string;
  pid: number;
  engineHost: string;
  child: ChildProcess;
  /** The server's event-loop delay since the last call (p50 / p99 / max, ms): how long anything
   * ready to run, a keystroke's echo included, waited for the loop. */
  loopDelay(): Promise<LoopDelay>;
}

interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  /** Garbage collections meanwhile, the longest pause (ms), and how many paused over 10 ms. */
  gcs: number;
  gcMax: number;
  gcOver10: number;
  /** Learner A's skips (Ctrl-C during a flood) so far, and the server's time of the last one
   * from the Ctrl-C to its redraw sent (ms). */
  skips: number;
  lastSkipMs: number;
  /** Every echo's way through the server meanwhile (echoTrace.ts). */
  echoes: EchoTiming[];
}

export async function startServer(dataDir: string): Promise<Server> {
  const env = { ...process.env, SHIPLAB_HOST: '127.0.0.1', SHIPLAB_PORT: '0', SHIPLAB_LOG: process.env.SHIPLAB_LOG ?? 'quiet', SHIPLAB_ADMIN_TOKEN: crypto.randomBytes(16).toString('hex') };
  // SHIPLAB_BENCH_PROF=<dir>: the server writes a V8 CPU profile there when it exits;
  // SHIPLAB_BENCH_SERVER_FLAGS: more node flags for the server (--trace-gc, say).
  const prof = [
    ...(process.env.SHIPLAB_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SHIPLAB_BENCH_PROF}`] : []),
    ...(process.env.SHIPLAB_BENCH_SERVER_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
  ];
  // The server runs with the flags npm start gives it.
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...prof, '--import', 'tsx', SELF, '--serve', dataDir], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let engineHost = '';
  let onDelay: ((d: LoopDelay) => void) | undefined;
  let delay: LoopDelay | undefined;
  let lines = '';
  child.stdout!.on('data', (d: Buffer) => {
    lines += d.toString();
    let nl: number;
    while ((nl = lines.indexOf('\n')) >= 0) {
      const line = lines.slice(0, nl);
      // What extra flags make the server print (--trace-gc) goes to the bench's stderr.
      if (prof.length && !line.startsWith('BENCH ')) console.error(`server: ${line}`);
      const m = /^BENCH loop-delay (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)/.exec(line);
      const k = /^BENCH skips (\S+) (\S+)/.exec(line);
      const e = /^BENCH echoes (.*)$/.exec(line);
      lines = lines.slice(nl + 1);
      if (m) delay = { p50: Number(m[1]), p99: Number(m[2]), max: Number(m[3]), gcs: Number(m[4]), gcMax: Number(m[5]), gcOver10: Number(m[6]), skips: 0, lastSkipMs: NaN, echoes: [] };
      if (e && delay) delay.echoes = JSON.parse(e[1]!) as EchoTiming[];
      // The skips line ends the report.
      if (k && delay) onDelay?.({ ...delay, skips: Number(k[1]), lastSkipMs: Number(k[2]) });
    }
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      engineHost ||= /^BENCH engine (\S+)/m.exec(buf)?.[1] ?? '';
      const u = /Shiplab is running at (\S+?)\/?$/m.exec(buf)?.[1];
      if (u) resolve(u);
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before it was running`)));
  });
  const loopDelay = () =>
    withTimeout(
      new Promise<LoopDelay>((resolve) => {
        onDelay = resolve;
        child.kill('SIGUSR2');
      }),
      5_000,
      'the server’s loop delay',
    );
  return { url, pid: child.pid!, engineHost, child, loopDelay };
}

async function serve(dir: string): Promise<void> {
  const { config } = await import('../server/core/config.ts');
  const { openSandboxes } = await import('../server/app/openSandboxes.ts');
  const { loadLessonService } = await import('../server/lessons/service.ts');
  const { createLabServer } = await import('../server/app/labApp.ts');
  const { host, port, terminalGraceMs } = config();
  const sandboxes = await openSandboxes({ adopt: false });
  console.log(`BENCH engine ${sandboxes.engine.host}`);
  const lessons = await loadLessonService(path.join(ROOT, 'lessons'), sandboxes);
  const { localEngineBackend } = await import('../server/app/sandboxBackend.ts');
  const lab = await createLabServer({ backend: localEngineBackend(sandboxes, { dataDir: config().dataDir }), lessons, host, port, graceMs: terminalGraceMs, dataDir: dir });
  // SIGUSR2: print the event-loop delay since the last one (1 ms resolution), then start over.
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // And the garbage collector's pauses meanwhile: how much of the delay they explain.
  let gc: number[] = [];
  new PerformanceObserver((list) => gc.push(...list.getEntries().map((e) => e.duration))).observe({ entryTypes: ['gc'] });
  // And where each keystroke's echo spent its time in the server (echoTrace.ts).
  let echoes: EchoTiming[] = [];
  diagnostics_channel.subscribe(ECHO_TRACE_CHANNEL, (m) => echoes.push(m as EchoTiming));
  process.on('SIGUSR2', () => {
    const ms = (ns: number) => (ns / 1e6).toFixed(2);
    const gcMax = gc.length ? Math.max(...gc) : 0;
    console.log(`BENCH loop-delay ${ms(delay.percentile(50))} ${ms(delay.percentile(99))} ${ms(delay.max)} ${gc.length} ${gcMax.toFixed(2)} ${gc.filter((d) => d > 10).length}`);
    // And learner A's node1 terminal's skips (Ctrl-C during a flood): how many, and the last one's
    // server time from the Ctrl-C to its redraw sent.
    const a = lab.terminals.stats().find((t) => t.node === 'node1' && t.attached && t.skips > 0);
    console.log(`BENCH echoes ${JSON.stringify(echoes)}`);
    console.log(`BENCH skips ${a?.skips ?? 0} ${(a?.lastSkipMs ?? NaN).toFixed(2)}`);
    delay.reset();
    gc = [];
    echoes = [];
  });
  console.log(`Shiplab is running at ${lab.url}/`);
  const shutdown = () =>
    void (async () => {
      await lab.close();
      await sandboxes.dispose();
      process.exit(0);
    })();
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/** The flooding learner, a child process: `yes` in its own sandbox, through Shiplab or raw, until
 * its stdin says stop. Prints FLOODING once output flows, then its rate every second. */
async function flood(url: string, token: string, mode: string, engineHost: string, container: string): Promise<void> {
  const t = mode === 'shiplab' ? await wireTty(await LabClient.open(url, { token }), 'node1') : rawTty(engineHost, container);
  await quietPrompt(t);
  t.write('yes\r');
  await until(t, () => t.bytes > 1_000_000, 'flood');
  console.log('FLOODING');
  let last = t.bytes;
  const timer = setInterval(() => {
    console.log(`RATE ${t.bytes - last}`);
    last = t.bytes;
  }, 1000);
  process.stdin.resume();
  await new Promise((r) => process.stdin.once('end', r));
  clearInterval(timer);
  t.write('\x03');
  await sleep(500);
  t.close();
  process.exit(0);
}

export interface Flood {
  /** Bytes per second the flooding client received, each second. */
  rates: number[];
  stop(): Promise<void>;
}

export async function startFlood(url: string, token: string, mode: 'shiplab' | 'raw', engineHost: string, container: string): Promise<Flood> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--flood', url, token, mode, engineHost, container], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const rates: number[] = [];
  const exited = new Promise((r) => child.once('exit', r));
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'FLOODING') resolve();
        const r = /^RATE (\d+)/.exec(line);
        if (r) rates.push(Number(r[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`the ${mode} flood exited (${code}) before flooding`)));
  });
  await sleep(FLOOD_WARMUP_MS);
  return {
    rates,
    async stop() {
      child.stdin!.end();
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null) child.kill();
    },
  };
}

/** The server's resident set, bytes (/proc/<pid>/status VmRSS). */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export function sampleRss(pid: number): { stop(): number[] } {
  const xs: number[] = [rssOf(pid)];
  const timer = setInterval(() => xs.push(rssOf(pid)), 250);
  return {
    stop() {
      clearInterval(timer);
      xs.push(rssOf(pid));
      return xs;
    },
  };
}

// ---- the run ------------------------------------------------------------------------------------

export async function nodeBench(): Promise<void> {
  console.log(`terminal bench (Node client): ${SAMPLES} echo samples per terminal, ${MB} MB throughput, ${CTRLC_RUNS} Ctrl-C runs`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-bench-terminal-'));
  const server = await startServer(dataDir);
  const step = (what: string) => console.log(`… ${what}`);
  const ttys: Tty[] = [];
  const learners: LabClient[] = [];
  try {
    step('two learners, two sandboxes');
    const [a, b] = await Promise.all([LabClient.open(server.url), LabClient.open(server.url)]);
    learners.push(a, b);
    const [sa, sb] = await Promise.all([a.startSandbox(LESSON), b.startSandbox(LESSON)]);
    const containerA = `shiplab-${sa.id}-node1`;
    const containerB = `shiplab-${sb.id}-node1`;
    const ship = shiplabTty(await TermClient.connect(a, 'node1', { cols: 120, rows: 32 }));
    const raw = rawTty(server.engineHost, containerA);
    ttys.push(ship, raw);
    // connect() waited for Shiplab's prompt already.
    await quietPrompt(raw);
    // Warm both paths (first keys page things in).
    await echoes([ship, raw], 10);

    step('server RSS, idle');
    const idleRss = sampleRss(server.pid);
    await sleep(2_000);
    const rssIdle = idleRss.stop();

    step('echo, idle');
    await server.loopDelay();
    const [idleShip, idleRaw] = await echoes([ship, raw], SAMPLES);
    const idleLoop = await server.loopDelay();

    step('echo while learner B floods `yes` through Shiplab');
    let f = await startFlood(server.url, b.token, 'shiplab', server.engineHost, containerB);
    const floodRss = sampleRss(server.pid);
    await server.loopDelay();
    const [floodShip, floodRawUnderShip] = await echoes([ship, raw], SAMPLES);
    const floodLoop = await server.loopDelay();
    const rssFlood = floodRss.stop();
    const shipFloodRate = pct(f.rates, 50);
    await f.stop();

    step('echo while learner B floods `yes` through a raw docker exec -it');
    f = await startFlood(server.url, b.token, 'raw', server.engineHost, containerB);
    const [floodShipUnderRaw, floodRaw] = await echoes([ship, raw], SAMPLES);
    const rawFloodRate = pct(f.rates, 50);
    await f.stop();

    step(`Ctrl-C under yes → prompt, ${CTRLC_RUNS} runs each`);
    const ccShip: number[] = [];
    const ccRaw: number[] = [];
    // Per Shiplab run: whether the server skipped, and its own time to the redraw.
    const ccServer: string[] = [];
    let skipsBefore = (await server.loopDelay()).skips;
    for (let i = 0; i < CTRLC_RUNS; i++) {
      ccShip.push(await ctrlC(ship));
      const d = await server.loopDelay();
      ccServer.push(d.skips > skipsBefore ? f1(d.lastSkipMs) : 'no skip');
      skipsBefore = d.skips;
      ccRaw.push(await ctrlC(raw));
    }

    step(`throughput of ${MB} MB, ${TP_RUNS} runs each, interleaved`);
    const wire = await wireTty(a, 'node1');
    ttys.push(wire);
    await sleep(200);
    const tpRss = sampleRss(server.pid);
    const tpShips: { mbps: number; receivedMb: number }[] = [];
    const tpRaws: { mbps: number }[] = [];
    for (let i = 0; i < TP_RUNS; i++) {
      tpShips.push(await throughput(wire));
      tpRaws.push(await throughput(raw));
    }
    const rssTp = tpRss.stop();
    const tpShip = median(tpShips);
    const tpRaw = median(tpRaws);
    wire.close();
    // The same into a TermClient, whose headless xterm parses every byte before it acks (the
    // wire client above replaced the first one).
    const parsing = shiplabTty(await TermClient.connect(a, 'node1', { cols: 120, rows: 32 }));
    ttys.push(parsing);
    const tpParsed = await throughput(parsing);

    const mib = (b: number) => (b / 2 ** 20).toFixed(0);
    const ms = (es: Echo[]) => es.map((e) => e.arrivedAt - e.sentAt);
    const row = (name: string, se: Echo[], re: Echo[], s = ms(se), r = ms(re)) =>
      `  ${name.padEnd(36)} ${f2(pct(s, 50)).padStart(7)} / ${f2(pct(s, 99)).padStart(7)}   ${f2(pct(r, 50)).padStart(7)} / ${f2(pct(r, 99)).padStart(7)}   ${f2(pct(s, 50) - pct(r, 50)).padStart(6)} ms   ${f1(pct(s, 99) / pct(r, 99))}×`;
    console.log(`\n  ${''.padEnd(36)} ${'Shiplab p50 / p99'.padStart(17)}   ${'raw p50 / p99'.padStart(17)}   p50 Δ      p99 ratio`);
    console.log(row('echo idle (ms)', idleShip!, idleRaw!));
    console.log(row('echo, B floods (each its own path)', floodShip!, floodRaw!));
    console.log(row('echo, B floods through Shiplab', floodShip!, floodRawUnderShip!));
    console.log(row('echo, B floods through raw', floodShipUnderRaw!, floodRaw!));
    const hopsRow = (name: string, h: EchoHops) =>
      `    ${name.padEnd(34)} ${[h.in, h.engine, h.server, h.out].map((xs) => `${f2(pct(xs, 50))} / ${f2(pct(xs, 99))}`.padStart(16)).join('')}   ${h.matched} of ${h.of}`;
    console.log(`  ${"Shiplab's echo hop by hop (ms, p50 / p99)".padEnd(36)}${['client → server', 'engine & shell', 'server work', 'server → client'].map((h) => h.padStart(16)).join('')}   matched`);
    console.log(hopsRow('idle', echoHops(idleShip!, idleLoop.echoes)));
    console.log(hopsRow('B floods through Shiplab', echoHops(floodShip!, floodLoop.echoes)));
    console.log(`  bytes B's client received a second (Shiplab sends a flood compacted, every FLOOD_BATCH_MS): Shiplab ${f1(shipFloodRate / 1e6)} MB/s, raw ${f1(rawFloodRate / 1e6)} MB/s`);
    console.log(`  Ctrl-C under yes → prompt (ms)       Shiplab ${ccShip.map((x) => x.toFixed(0)).join(', ')} (max ${f1(Math.max(...ccShip))})   raw ${ccRaw.map((x) => x.toFixed(0)).join(', ')} (max ${f1(Math.max(...ccRaw))})   ratio of medians ${f1(pct(ccShip, 50) / pct(ccRaw, 50))}×`);
    console.log(`    the server's Ctrl-C → redraw sent (ms): ${ccServer.join(', ')}`);
    const got = (x: { receivedMb: number }) => `${f1(x.receivedMb)} MB received`;
    console.log(`  throughput ${MB} MB into a Node client   Shiplab ${f1(tpShip.mbps)} MB/s (${got(tpShip)})   raw ${f1(tpRaw.mbps)} MB/s   ${f2(tpShip.mbps / tpRaw.mbps)}× (medians; each run: Shiplab ${tpShips.map((t) => f1(t.mbps)).join(', ')}, raw ${tpRaws.map((t) => f1(t.mbps)).join(', ')})`);
    console.log(`  throughput ${MB} MB into TermClient      Shiplab ${f1(tpParsed.mbps)} MB/s (${got(tpParsed)}; a headless xterm parses every byte before it acks)   ${f2(tpParsed.mbps / tpRaw.mbps)}×`);
    const loop = (d: LoopDelay) => `p50 ${f2(d.p50)} / p99 ${f2(d.p99)} / max ${f2(d.max)} (GC: ${d.gcs}, longest ${f1(d.gcMax)}, ${d.gcOver10} over 10 ms)`;
    console.log(`  server event-loop delay (ms)         idle echo ${loop(idleLoop)}`);
    console.log(`                                       B flooding through Shiplab ${loop(floodLoop)}`);
    const idle = pct(rssIdle, 50);
    console.log(`  server RSS (MiB)                     idle ${mib(idle)}, B flooding max ${mib(Math.max(...rssFlood))} (${f2(Math.max(...rssFlood) / idle)}×), ${MB} MB throughput max ${mib(Math.max(...rssTp))} (${f2(Math.max(...rssTp) / idle)}×)`);
  } finally {
    for (const t of ttys) t.close();
    // The server leaves sandboxes running when it stops (the next start adopts them), and this
    // data directory goes: remove them first, or their nodes, networks and stores stay behind.
    await Promise.all(learners.map((l) => l.stopSandbox().catch((err: Error) => console.error(`bench: removing a sandbox failed: ${err.message}`))));
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Entry for the child roles; true when this process is one of them. */
export async function childRole(argv: string[]): Promise<boolean> {
  const i = argv.indexOf('--serve');
  if (i >= 0) {
    await serve(argv[i + 1]!);
    return true;
  }
  const j = argv.indexOf('--flood');
  if (j >= 0) {
    const [url, token, mode, engineHost, container] = argv.slice(j + 1);
    await flood(url!, token!, mode!, engineHost!, container!);
    return true;
  }
  return false;
}

if (process.argv[1] === SELF) {
  childRole(process.argv)
    .then((child) => (child ? undefined : nodeBench()))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
