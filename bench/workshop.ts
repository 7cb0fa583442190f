/**
 * Workshop bench: a room of scripted attendees joining one workshop over a minute, against the
 * lab server running as its own process, once WITH the warm pool and once WITHOUT.
 *
 *   npm run bench:workshop
 *   WORKSHOP_BENCH_ATTENDEES=4 npm run bench:workshop      # a quick try
 *
 * Each attendee does what a person at a workshop does: opens the page (POST /api/session, the
 * event stream), joins with the code and a name (POST /api/join), waits for its sandbox to be
 * ready, opens node1's terminal through the real WebSocket path (TermClient) until a prompt shows,
 * types the solution of step 1 of the workshop's first lesson and presses Check until it passes.
 * The instructor (AdminClient) holds the room's event stream the whole time, as the console does.
 *
 * Figures: join → usable prompt (from POST /api/join to the prompt on the screen: the last output
 * before the prompt rule's quiet spell), console latency (from the moment the attendee's page knew
 * step 1 passed, the check's answer or an autocheck event, whichever came first, to the first room
 * event showing that cell done), the server's CPU (utime+stime of its process over the joining
 * phase, % of one core; beside it, with the processes below it: the terminals' `docker exec`
 * clients, the commands it ran), its RSS (every 500 ms: idle before the workshop exists, peak
 * after; the processes below it apart), the pool's fill time, sandbox create times from the
 * server's log, and the physical limit: a raw `docker exec -it <node1> bash -l` in a local pty to
 * its prompt, N times, on an attendee's node, with the ratios of the lab's path to it. The bench's
 * own clients run on the same cores; their CPU is printed too.
 *
 * The server is this file run with --serve (openSandboxes + createLabServer, as server/main.ts
 * does, but its database in a fresh temporary directory and without adopting or reaping other
 * sandboxes on the engine). Its engine and images are the configured data directory's, as for
 * every other bench. Sandboxes outlive a server by design, so each run ends its workshop (the
 * server removes the attendees' sandboxes and the spares), checks with the host engine that none
 * of the sandboxes it made remain, and removes any that do.
 *
 * Env: WORKSHOP_BENCH_ATTENDEES (40), WORKSHOP_BENCH_SPREAD_S (60: the attendees join evenly over
 * this), WORKSHOP_BENCH_RUNS (pool,no-pool), WORKSHOP_BENCH_RAW_EXECS (10). SHIPLAB_* settings in
 * the environment win over the bench's (SERVER_ENV below).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as pty from 'node-pty';
import type { NodeName, RoomEvent, RoomView, SandboxStatus } from '../server/common/api.ts';
import { ROOT } from '../server/core/config.ts';
import { SERVER_NODE_FLAGS } from '../server/core/nodeFlags.ts';
import type { CommandLine } from '../server/lessons/model.ts';
import { AdminClient, LabClient, type EventStream } from '../server/robot/labClient.ts';
import { checkUntil, describeResult } from '../server/robot/stepDriver.ts';
import { PROMPT_AT_CURSOR, PROMPT_QUIET_MS, TermClient } from '../server/robot/termClient.ts';

const execFileP = promisify(execFile);
const SELF = fileURLToPath(import.meta.url);

/** Attendees per run; the workshop's capacity is the same. */
const ATTENDEES = Number(process.env.WORKSHOP_BENCH_ATTENDEES ?? 40);
/** The attendees join evenly over this long: 40 over a minute is one every 1.5 s. */
const JOIN_SPREAD_MS = Number(process.env.WORKSHOP_BENCH_SPREAD_S ?? 60) * 1000;
/** Share of the capacity kept warm in the pool run (the default of a new workshop). */
const POOL_SHARE = 0.5;
const RUNS = (process.env.WORKSHOP_BENCH_RUNS ?? 'pool,no-pool').split(',').map((s) => s.trim()).filter(Boolean);
/** Raw `docker exec -it … bash -l` to a prompt, this many times. */
const RAW_EXECS = Number(process.env.WORKSHOP_BENCH_RAW_EXECS ?? 10);
/** The lesson the workshop teaches; its first step is what every attendee types and checks. */
const LESSON = 'welcome';
const STEP = 0;

/** The server's settings: sandboxes small enough that 40+ fit a 2-core 24 GiB machine (0.15 CPU ×
 * 4× overcommit of 2 cores = 53, 512 MiB of 22 GiB = 43, 2 × 768 MiB stores), rate limits no
 * room of attendees behind one address (127.0.0.1) meets, and a pool that refills once a second. */
const SERVER_ENV: Record<string, string> = {
  // The bench reads the server's human lines ([sandbox] sandbox ready …), not JSON ones.
  SHIPLAB_LOG_FORMAT: 'text',
  SHIPLAB_SANDBOX_MEMORY_MB: '512',
  SHIPLAB_SANDBOX_CPUS: '0.15',
  SHIPLAB_STORE_MB: '768',
  SHIPLAB_POOL_REFILL_PER_MIN: '60',
  SHIPLAB_RATE_SESSIONS_PER_MIN: '100000',
  SHIPLAB_RATE_CREATES_PER_MIN: '100000',
  SHIPLAB_LOG: 'info',
};

/** A first start may install the engine and build the image catalog. */
const SERVER_START_TIMEOUT_MS = 20 * 60_000;
const SERVER_STOP_TIMEOUT_MS = 120_000;
const RSS_SAMPLE_MS = 500;
/** Idle RSS: sampled this long after the server is up, before the workshop exists. */
const IDLE_MS = 3_000;
const POOL_FILL_TIMEOUT_MS = 15 * 60_000;
/** From join to a ready sandbox, at most (a create in a long line on a busy host). */
const READY_TIMEOUT_MS = 10 * 60_000;
const PROMPT_TIMEOUT_MS = 120_000;
/** A check that should pass gets this long to do so (stepDriver's 15 s, with a busy host's margin). */
const CHECK_TIMEOUT_MS = 90_000;
/** After the last attendee: how long the console may still take to show a pass. */
const CONSOLE_GRACE_MS = 15_000;
/** After ending the workshop: how long the engine may take to lose every sandbox of the run. */
const TEARDOWN_TIMEOUT_MS = 5 * 60_000;

// ---- figures ------------------------------------------------------------------------------------

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const sec = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–');
const msf = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(0) : '–');
const mib = (kb: number) => (kb / 1024).toFixed(0);
const now = () => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errText = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);

// ---- the server as its own process ------------------------------------------------------------

interface CreateLine {
  sandbox: string;
  ms: number;
  owner: string;
}

interface ServerProc {
  url: string;
  pid: number;
  /** The host engine, for the docker CLI (-H). */
  engineHost: string;
  /** The admission line's start-up log line (slots, what limits them). */
  admission: string;
  logFile: string;
  /** `sandbox ready` lines of the sandbox manager. */
  creates: CreateLine[];
  /** Learners handed a spare (`sandbox ready from the warm pool`). */
  poolHits: Set<string>;
  /** Warnings and errors the server logged (the first 50). */
  problems: string[];
  child: ChildProcess;
  exited: Promise<number | null>;
}

async function startServer(name: string, workDir: string, adminToken: string): Promise<ServerProc> {
  const dataDir = path.join(workDir, `${name}-data`);
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(workDir, `${name}-server.log`);
  const log = fs.createWriteStream(logFile);
  const env = { ...SERVER_ENV, ...process.env, SHIPLAB_HOST: '127.0.0.1', SHIPLAB_PORT: '0', SHIPLAB_ADMIN_TOKEN: adminToken };
  // node --import tsx: the pid is the server itself, not a launcher in front of it.
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', SELF, '--serve', dataDir], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: Partial<ServerProc> & { creates: CreateLine[]; poolHits: Set<string>; problems: string[] } = { creates: [], poolHits: new Set(), problems: [], child, exited, logFile, pid: child.pid! };
  const lines = (stream: NodeJS.ReadableStream, each: (line: string) => void) => {
    let buf = '';
    stream.on('data', (d: Buffer) => {
      log.write(d);
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        each(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
  };
  let ready: (url: string) => void = () => {};
  const running = new Promise<string>((resolve) => (ready = resolve));
  lines(child.stdout!, (line) => {
    const url = /Shiplab is running at (\S+?)\/?$/.exec(line)?.[1];
    if (url) ready(url);
    const engine = /^BENCH engine (\S+)/.exec(line)?.[1];
    if (engine) proc.engineHost = engine;
  });
  lines(child.stderr!, (line) => {
    const made = /\[sandbox\] sandbox ready id=(\S+) ms=(\d+) owner=(\S+)/.exec(line);
    if (made) proc.creates.push({ sandbox: made[1]!, ms: Number(made[2]), owner: made[3]! });
    const hit = /sandbox ready from the warm pool learner=(\S+)/.exec(line)?.[1];
    if (hit) proc.poolHits.add(hit);
    if (/\[[\w/]*admission\] admission /.test(line)) proc.admission = line.replace(/^.*\] admission /, '');
    if (/^\S+ (warn|error) /.test(line) && proc.problems.length < 50) proc.problems.push(line);
  });
  const url = await Promise.race([
    running,
    exited.then((code) => Promise.reject(new Error(`the ${name} server ended (exit ${code}) before it was running; its log: ${logFile}`))),
    sleep(SERVER_START_TIMEOUT_MS).then(() => Promise.reject(new Error(`the ${name} server was not running after ${SERVER_START_TIMEOUT_MS / 60_000} min; its log: ${logFile}`))),
  ]);
  if (!proc.engineHost) throw new Error(`the ${name} server did not say its engine; its log: ${logFile}`);
  // The same object: the log readers above keep counting into it.
  return Object.assign(proc, { url, admission: proc.admission ?? '(no admission line in the log)' }) as ServerProc;
}

async function stopServer(s: ServerProc): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGTERM');
  const code = await Promise.race([s.exited, sleep(SERVER_STOP_TIMEOUT_MS).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    console.log(`  ! the server (pid ${s.pid}) did not stop within ${SERVER_STOP_TIMEOUT_MS / 1000} s of SIGTERM; killing it`);
    s.child.kill('SIGKILL');
    await s.exited;
  }
}

/** utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

interface ProcEntry {
  ppid: number;
  comm: string;
  /** utime + stime, clock ticks. */
  self: number;
  /** cutime + cstime: the children it reaped. */
  reaped: number;
}

/** Every process's parent, name and CPU ticks, from /proc. */
function processTable(): Map<number, ProcEntry> {
  const out = new Map<number, ProcEntry>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(Number(d), { ppid: Number(f[1]), comm, self: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Processes that are the host engine, not the server: a server that found no engine running
 * starts the embedded dockerd as its child, and it stays under the server's tree. */
const ENGINE_PROCESSES = new Set(['dockerd', 'containerd']);

/** The processes below `pid` (its terminals' `docker exec` clients, their node-pty helpers),
 * without an embedded engine it started and that engine's processes. */
function descendants(pid: number, table: Map<number, { ppid: number; comm: string }> = processTable()): number[] {
  const children = new Map<number, number[]>();
  for (const [p, { ppid }] of table) children.set(ppid, [...(children.get(ppid) ?? []), p]);
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      if (ENGINE_PROCESSES.has(table.get(c)!.comm)) continue;
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** CPU ticks of the server and everything below it, by process name: the server's own ('server'),
 * the ended children it reaped ('reaped'), and each process below it with the children it reaped. */
function treeTicks(pid: number): Map<string, number> {
  const table = processTable();
  const out = new Map<string, number>();
  const add = (k: string, v: number) => out.set(k, (out.get(k) ?? 0) + v);
  const me = table.get(pid);
  if (me) {
    add('server', me.self);
    add('reaped', me.reaped);
  }
  for (const p of descendants(pid, table)) {
    const e = table.get(p)!;
    add(e.comm, e.self + e.reaped);
  }
  return out;
}

/** VmRSS of a process, KiB; NaN once it is gone. */
function rssKb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

let clockTicks = 100;

interface CpuMark {
  ticks: number;
  tree: Map<string, number>;
  bench: NodeJS.CpuUsage;
  at: number;
}
const cpuMark = (pid: number): CpuMark => ({ ticks: cpuTicks(pid), tree: treeTicks(pid), bench: process.cpuUsage(), at: now() });

interface CpuUse {
  /** The server's process, % of one core. */
  own: number;
  /** With every process below it. */
  tree: number;
  /** The tree by process name, most first: "server 5.6, docker 12.1, …". */
  parts: string;
  /** This bench process (40 attendees' clients and screens), on the same cores. */
  bench: number;
}

/** CPU from `from` to now, % of one core. */
function cpuSince(pid: number, from: CpuMark): CpuUse {
  const s = (now() - from.at) / 1000;
  const pctOf = (ticks: number) => (ticks / clockTicks / s) * 100;
  const tree = treeTicks(pid);
  const parts = [...new Set([...tree.keys(), ...from.tree.keys()])]
    .map((k) => [k, pctOf((tree.get(k) ?? 0) - (from.tree.get(k) ?? 0))] as const)
    .filter(([, v]) => Math.abs(v) >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  const b = process.cpuUsage(from.bench);
  return {
    own: pctOf(cpuTicks(pid) - from.ticks),
    tree: parts.reduce((sum, [, v]) => sum + v, 0),
    parts: parts.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '),
    bench: ((b.user + b.system) / 1000 / 1000 / s) * 100,
  };
}

// ---- the host engine --------------------------------------------------------------------------

/** Ids of the Shiplab sandboxes whose containers the host engine holds. */
async function engineSandboxes(engineHost: string): Promise<Set<string>> {
  const { stdout } = await execFileP('docker', ['-H', engineHost, 'ps', '-a', '--filter', 'label=shiplab.sandbox', '--format', '{{.Label "shiplab.sandbox"}}']);
  return new Set(stdout.split('\n').map((s) => s.trim()).filter(Boolean));
}

/** The physical limit: a raw `docker exec -it <container> bash -l` (as the server's terminals
 * spawn it) in a local pty, to the last output before a quiet prompt (the same rule as below). */
async function rawExecPrompt(engineHost: string, container: string): Promise<number> {
  const t0 = now();
  const p = pty.spawn('docker', ['-H', engineHost, 'exec', '-it', '-e', 'TERM=xterm-256color', '-w', '/root', container, 'bash', '-l'], {
    name: 'xterm-256color',
    cols: 120,
    rows: 32,
    env: process.env as Record<string, string>,
  });
  let tail = '';
  let last = t0;
  let exited = false;
  const gone = new Promise<void>((resolve) => p.onExit(() => ((exited = true), resolve())));
  p.onData((d) => {
    tail = (tail + d).slice(-512);
    last = now();
  });
  try {
    const deadline = t0 + PROMPT_TIMEOUT_MS;
    for (;;) {
      const text = tail.replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '').replace(/\x1b\[[0-9;?<>=!]*[ -/]*[@-~]/g, '').replace(/\r/g, '');
      const lastLine = text.slice(text.lastIndexOf('\n') + 1);
      if (PROMPT_AT_CURSOR.test(lastLine) && now() - last >= PROMPT_QUIET_MS) return last - t0;
      if (exited) throw new Error(`docker exec ended before a prompt: ${JSON.stringify(text.slice(-200))}`);
      if (now() > deadline) throw new Error(`no prompt from docker exec within ${PROMPT_TIMEOUT_MS / 1000} s: ${JSON.stringify(text.slice(-200))}`);
      await sleep(10);
    }
  } finally {
    if (!exited) {
      p.write('exit\r');
      await Promise.race([gone, sleep(5_000)]);
      if (!exited) p.kill();
    }
  }
}

// ---- the room, as the console hears it ---------------------------------------------------------

class RoomWatch {
  latest: RoomView | undefined;
  events = 0;
  /** Attendee id → when a room event first showed their cell done. */
  readonly doneAt = new Map<string, number>();
  private readonly _waiters = new Set<() => void>();
  private _cell = -1;

  constructor(private readonly _stream: EventStream<RoomEvent>) {
    _stream.on((e) => {
      const at = now();
      this.events++;
      this.latest = e.room;
      if (this._cell < 0) this._cell = e.room.steps.findIndex((s) => s.lesson === LESSON && s.step === STEP);
      for (const a of e.room.attendees) {
        if (a.cells[this._cell]?.state === 'done' && !this.doneAt.has(a.id)) this.doneAt.set(a.id, at);
      }
      for (const w of [...this._waiters]) w();
    });
  }

  /** Resolves with the time of the first room event for which `pred` holds (now, if the latest does). */
  until(pred: (r: RoomView) => boolean, timeoutMs: number, what: string): Promise<number> {
    if (this.latest && pred(this.latest)) return Promise.resolve(now());
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this._waiters.delete(check);
        reject(new Error(`${what}: not within ${timeoutMs / 1000} s (last room: pool ${JSON.stringify(this.latest?.pool)})`));
      }, timeoutMs);
      const check = () => {
        if (!this.latest || !pred(this.latest)) return;
        clearTimeout(t);
        this._waiters.delete(check);
        resolve(now());
      };
      this._waiters.add(check);
    });
  }

  close(): void {
    this._stream.close();
  }
}

// ---- one attendee -------------------------------------------------------------------------------

interface AttendeeResult {
  name: string;
  id?: string;
  sandbox?: string;
  joined: boolean;
  ready: boolean;
  prompt: boolean;
  passed: boolean;
  /** POST /api/join → the sandbox ready (ms). */
  joinToReady?: number;
  /** POST /api/join → the prompt on node1's screen (ms). */
  joinToPrompt?: number;
  /** Terminal opened → the prompt (ms). */
  termToPrompt?: number;
  /** When the page first knew the step passed: the passing check's answer, or an autocheck event. */
  passKnownAt?: number;
  /** True when the autocheck's event came before the passing manual check's answer. */
  autoFirst?: boolean;
  checks: number;
  error?: string;
  /** What the attendee holds open until the run ends, as a page would. */
  hold: { close(): void }[];
}

async function attendee(url: string, code: string, name: string, lines: CommandLine[]): Promise<AttendeeResult> {
  const r: AttendeeResult = { name, joined: false, ready: false, prompt: false, passed: false, checks: 0, hold: [] };
  let phase = 'session';
  try {
    const lab = await LabClient.open(url);
    // The page opens its event stream when it loads, before the attendee types a name.
    const events = lab.events();
    r.hold.push(events);
    let manualPassAt: number | undefined;
    let autoPassAt: number | undefined;
    events.on((e) => {
      const passed = (e.type === 'check' && e.lesson === LESSON && e.step === STEP && e.result.passed) || (e.type === 'progress' && (e.progress[LESSON] ?? []).includes(STEP));
      if (passed) autoPassAt ??= now();
    });
    phase = 'join';
    const t0 = now();
    const info = await lab.join(code, name);
    r.joined = true;
    r.id = info.attendee.id;
    phase = 'sandbox';
    let status: SandboxStatus = await lab.sandbox();
    const deadline = t0 + READY_TIMEOUT_MS;
    while (status.state !== 'ready') {
      if (status.state !== 'starting') throw new Error(`the sandbox is ${status.state}${status.error ? `: ${status.error}` : ''}`);
      if (now() > deadline) throw new Error(`the sandbox was not ready ${READY_TIMEOUT_MS / 1000} s after joining (phase ${status.progress?.phase}, place ${status.queue?.position})`);
      const e = await events.next((ev) => ev.type === 'sandbox', 5_000);
      status = e?.type === 'sandbox' && e.status.state === 'ready' ? e.status : await lab.sandbox();
    }
    r.ready = true;
    r.sandbox = status.id;
    r.joinToReady = now() - t0;
    phase = 'terminal';
    const terms = new Map<NodeName, TermClient>();
    const open = async (node: NodeName): Promise<TermClient> => {
      let t = terms.get(node);
      if (t) return t;
      const opened = now();
      t = await TermClient.connect(lab, node, { waitForPrompt: false });
      let lastOutput = now();
      const sub = t.onOutput(() => (lastOutput = now()));
      await t.waitForPrompt(PROMPT_TIMEOUT_MS);
      sub.dispose();
      if (node === 'node1') {
        r.termToPrompt = lastOutput - opened;
        r.joinToPrompt = lastOutput - t0;
      }
      terms.set(node, t);
      r.hold.push(t);
      return t;
    };
    await open('node1');
    r.prompt = true;
    phase = 'typing';
    for (const line of lines) await (await open(line.node)).typeLine(line.text);
    phase = 'check';
    const { result, ok } = await checkUntil(async () => {
      r.checks++;
      const res = await lab.check(LESSON, STEP);
      if (res.passed) manualPassAt ??= now();
      return res;
    }, (res) => res.passed, CHECK_TIMEOUT_MS);
    if (!ok) throw new Error(`did not pass after ${r.checks} checks: ${describeResult(result)}`);
    r.passed = true;
    r.autoFirst = autoPassAt !== undefined && autoPassAt < manualPassAt!;
    r.passKnownAt = Math.min(manualPassAt!, autoPassAt ?? Infinity);
  } catch (err) {
    r.error = `${phase}: ${errText(err)}`;
  }
  return r;
}

// ---- one run ------------------------------------------------------------------------------------

interface RunResult {
  name: string;
  attendees: AttendeeResult[];
  consoleMs: number[];
  /** Passes the console never showed within CONSOLE_GRACE_MS. */
  consoleMissing: number;
  /** % of one core over the joining phase: the server's process, and with the processes below it. */
  cpu: CpuUse;
  poolFillCpu?: CpuUse;
  /** The host's 1-minute load average at the end of the joining phase. */
  load: number;
  rssIdleKb: number;
  rssPeakKb: number;
  /** The processes below the server (terminals' docker exec clients): their RSS at the server's peak sample time, KiB. */
  childrenPeakKb: number;
  children: number;
  poolFillMs?: number;
  poolTarget?: number;
  poolHits: Set<string>;
  creates: CreateLine[];
  rawExecMs: number[];
  roomEvents: number;
  admission: string;
  joinPhaseS: number;
  leftovers: string[];
  problems: string[];
  logFile: string;
}

/** Cleanups of the run in progress, for a Ctrl-C. */
let cleanup: (() => Promise<void>) | undefined;

async function runOnce(name: string, poolShare: number, workDir: string, lines: CommandLine[]): Promise<RunResult> {
  const token = crypto.randomBytes(24).toString('base64url');
  console.log(`\n== run ${name}: ${ATTENDEES} attendees over ${JOIN_SPREAD_MS / 1000} s, poolShare ${poolShare}`);
  const server = await startServer(name, workDir, token);
  console.log(`… server pid ${server.pid} at ${server.url}; admission: ${server.admission}`);
  const before = await engineSandboxes(server.engineHost);
  const rss: { at: number; kb: number; childrenKb: number; children: number }[] = [];
  const sampler = setInterval(() => {
    const below = descendants(server.pid);
    rss.push({ at: now(), kb: rssKb(server.pid), childrenKb: below.reduce((sum, p) => sum + (rssKb(p) || 0), 0), children: below.length });
  }, RSS_SAMPLE_MS);
  let admin: AdminClient | undefined;
  let workshopId: string | undefined;
  let room: RoomWatch | undefined;
  const results: AttendeeResult[] = [];
  const teardown = async (): Promise<string[]> => {
    for (const a of results) for (const h of a.hold) h.close();
    room?.close();
    if (admin && workshopId) {
      console.log('… ending the workshop (the server removes its sandboxes)');
      await admin.endWorkshop(workshopId).catch((err) => console.log(`  ! ending the workshop failed: ${errText(err)}`));
    }
    // Spares are removed in the background after the end: wait until the engine has none of ours.
    const deadline = now() + TEARDOWN_TIMEOUT_MS;
    let ours = [...(await engineSandboxes(server.engineHost))].filter((id) => !before.has(id));
    while (ours.length && now() < deadline) {
      await sleep(1_000);
      ours = [...(await engineSandboxes(server.engineHost))].filter((id) => !before.has(id));
    }
    clearInterval(sampler);
    await stopServer(server);
    ours = [...(await engineSandboxes(server.engineHost))].filter((id) => !before.has(id));
    if (ours.length) {
      console.log(`  ! ${ours.length} sandbox(es) of this run remain after the end and the server's stop: ${ours.join(' ')}; removing them`);
      await execFileP(process.execPath, ['--import', 'tsx', 'server/cli/shiplab.ts', 'sandbox', 'down', ...ours], { cwd: ROOT }).catch((err) => console.log(`  ! removing them failed: ${errText(err)}`));
      const still = [...(await engineSandboxes(server.engineHost))].filter((id) => !before.has(id));
      if (still.length) console.log(`  ! still there: ${still.join(' ')} (npm run shiplab -- sandbox down ${still.join(' ')})`);
    } else {
      console.log('… the host engine holds none of this run\'s sandboxes');
    }
    return ours;
  };
  cleanup = async () => {
    await teardown();
  };
  try {
    await sleep(IDLE_MS);
    const idle = rss.filter((s) => Number.isFinite(s.kb)).map((s) => s.kb);
    const rssIdleKb = pct(idle, 50);
    admin = await AdminClient.login(server.url, token);
    const created = now();
    const poolMark = cpuMark(server.pid);
    const workshop = await admin.createWorkshop({
      title: `Workshop bench (${name})`,
      lessons: [LESSON],
      capacity: ATTENDEES,
      opensAt: Date.now() - 1_000,
      closesAt: Date.now() + 3 * 3600_000,
      sessionMinutes: 120,
      poolShare,
    });
    workshopId = workshop.id;
    room = new RoomWatch(admin.roomEvents(workshop.id));
    await room.until(() => true, 10_000, 'the first room event');
    let poolFillMs: number | undefined;
    let poolFillCpu: CpuUse | undefined;
    let poolTarget: number | undefined;
    if (poolShare > 0) {
      const want = Math.ceil(ATTENDEES * poolShare);
      console.log(`… waiting for the pool to fill (${want} spares)`);
      const at = await room.until((r) => r.pool.target > 0 && r.pool.ready >= r.pool.target, POOL_FILL_TIMEOUT_MS, 'the pool filling');
      poolFillMs = at - created;
      poolFillCpu = cpuSince(server.pid, poolMark);
      poolTarget = room.latest!.pool.target;
      console.log(`… pool full: ${room.latest!.pool.ready}/${poolTarget} in ${sec(poolFillMs)} s`);
    }
    const gap = ATTENDEES > 1 ? JOIN_SPREAD_MS / ATTENDEES : 0;
    console.log(`… ${ATTENDEES} attendees join, one every ${sec(gap)} s`);
    const mark = cpuMark(server.pid);
    const joinStart = now();
    const running: Promise<void>[] = [];
    for (let i = 0; i < ATTENDEES; i++) {
      const due = joinStart + i * gap;
      if (due > now()) await sleep(due - now());
      const slot = i;
      running.push(attendee(server.url, workshop.code, `Attendee ${String(i + 1).padStart(2, '0')}`, lines).then((r) => {
        results[slot] = r;
        const what = r.error ? `FAILED at ${r.error}` : `prompt ${sec(r.joinToPrompt!)} s after joining, passed after ${r.checks} check(s)`;
        console.log(`  ${r.name}: ${what}`);
      }));
    }
    await Promise.all(running);
    const joinPhaseS = (now() - joinStart) / 1000;
    const cpu = cpuSince(server.pid, mark);
    const load = os.loadavg()[0]!;
    // The console may still be about to show the last passes.
    const passedIds = results.filter((r) => r.passed).map((r) => r.id!);
    await room.until(() => passedIds.every((id) => room!.doneAt.has(id)), CONSOLE_GRACE_MS, 'the console showing every pass').catch(() => undefined);
    const consoleMs = results.filter((r) => r.passed && room!.doneAt.has(r.id!)).map((r) => room!.doneAt.get(r.id!)! - r.passKnownAt!);
    const consoleMissing = passedIds.filter((id) => !room!.doneAt.has(id)).length;

    const rawExecMs: number[] = [];
    const target = results.find((r) => r.ready && r.sandbox);
    if (target && RAW_EXECS > 0) {
      console.log(`… raw docker exec -it into ${target.name}'s node1, ${RAW_EXECS} times`);
      const container = `shiplab-${target.sandbox}-node1`;
      for (let i = 0; i < RAW_EXECS; i++) {
        try {
          rawExecMs.push(await rawExecPrompt(server.engineHost, container));
        } catch (err) {
          console.log(`  ! raw exec ${i + 1}: ${errText(err)}`);
        }
      }
    }
    const during = rss.filter((s) => s.at >= created && Number.isFinite(s.kb));
    const peak = during.reduce((a, b) => (b.kb > a.kb ? b : a), during[0]!);
    const rssPeakKb = peak.kb;
    const below = during.reduce((a, b) => (b.childrenKb > a.childrenKb ? b : a), during[0]!);
    const roomEvents = room.events;
    const leftovers = await teardown();
    cleanup = undefined;
    return {
      name, attendees: results, consoleMs, consoleMissing, cpu, poolFillCpu, load, rssIdleKb, rssPeakKb, childrenPeakKb: below.childrenKb, children: below.children, poolFillMs, poolTarget,
      poolHits: server.poolHits, creates: server.creates, rawExecMs, roomEvents, admission: server.admission, joinPhaseS, leftovers,
      problems: server.problems, logFile: server.logFile,
    };
  } catch (err) {
    console.log(`  ! run ${name} stopped: ${errText(err)}; server log: ${server.logFile}`);
    await teardown().catch((e) => console.log(`  ! teardown: ${errText(e)}`));
    cleanup = undefined;
    throw err;
  }
}

// ---- the report ---------------------------------------------------------------------------------

function report(runs: RunResult[]): void {
  const rows: string[][] = [[
    'run', 'joined', 'ready', 'passed', 'join→prompt p50/p95/max s', 'console p50/p95/max ms', 'server CPU %', 'RSS idle/peak MiB', 'pool fill s',
  ]];
  for (const r of runs) {
    const a = r.attendees;
    const jp = a.filter((x) => x.joinToPrompt !== undefined).map((x) => x.joinToPrompt!);
    rows.push([
      r.name,
      `${a.filter((x) => x.joined).length}/${a.length}`,
      String(a.filter((x) => x.ready).length),
      String(a.filter((x) => x.passed).length),
      `${sec(pct(jp, 50))} / ${sec(pct(jp, 95))} / ${sec(Math.max(...jp))}`,
      `${msf(pct(r.consoleMs, 50))} / ${msf(pct(r.consoleMs, 95))} / ${msf(Math.max(...r.consoleMs))}`,
      r.cpu.own.toFixed(1),
      `${mib(r.rssIdleKb)} / ${mib(r.rssPeakKb)}`,
      r.poolFillMs === undefined ? '–' : `${sec(r.poolFillMs)} (${r.poolTarget})`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => '| ' + row.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(`\nworkshop bench: ${ATTENDEES} attendees joining over ${JOIN_SPREAD_MS / 1000} s, lesson ${LESSON} step ${STEP + 1}; ${os.availableParallelism()} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`);
  console.log(line(rows[0]!));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const row of rows.slice(1)) console.log(line(row));

  for (const r of runs) {
    const a = r.attendees;
    const ready = a.filter((x) => x.joinToReady !== undefined).map((x) => x.joinToReady!);
    const term = a.filter((x) => x.termToPrompt !== undefined).map((x) => x.termToPrompt!);
    const poolCreates = r.creates.filter((c) => c.owner.startsWith('pool:')).map((c) => c.ms);
    const lineCreates = r.creates.filter((c) => !c.owner.startsWith('pool:')).map((c) => c.ms);
    const checks = a.filter((x) => x.passed).map((x) => x.checks);
    console.log(`\n${r.name}:`);
    console.log(`  admission: ${r.admission}`);
    console.log(`  joining phase ${r.joinPhaseS.toFixed(1)} s (first join to last pass); host load average at its end ${r.load.toFixed(1)} on ${os.availableParallelism()} CPUs`);
    console.log(`  CPU over it, % of one core: server ${r.cpu.own.toFixed(1)}, with the processes below it ${r.cpu.tree.toFixed(1)} (${r.cpu.parts}); this bench's clients ${r.cpu.bench.toFixed(1)}`);
    if (r.poolFillCpu) console.log(`  CPU while the pool filled: server ${r.poolFillCpu.own.toFixed(1)}, with the processes below it ${r.poolFillCpu.tree.toFixed(1)} (${r.poolFillCpu.parts})`);
    console.log(`  processes below the server (terminals' docker exec clients and their ptys): at most ${mib(r.childrenPeakKb)} MiB RSS over ${r.children} processes, beside the server's own peak ${mib(r.rssPeakKb)} MiB`);
    console.log(`  join → sandbox ready: p50 ${sec(pct(ready, 50))} s, p95 ${sec(pct(ready, 95))} s, max ${sec(Math.max(...ready))} s`);
    const spare = a.filter((x) => x.id && r.poolHits.has(x.id) && x.joinToPrompt !== undefined).map((x) => x.joinToPrompt!);
    const viaLine = a.filter((x) => x.id && !r.poolHits.has(x.id) && x.joinToPrompt !== undefined).map((x) => x.joinToPrompt!);
    console.log(`  join → prompt: ${spare.length} given a spare p50 ${sec(pct(spare, 50))} s max ${sec(Math.max(...spare))} s; ${viaLine.length} through the admission line p50 ${sec(pct(viaLine, 50))} s max ${sec(Math.max(...viaLine))} s`);
    console.log(`  terminal open → prompt: p50 ${msf(pct(term, 50))} ms, p95 ${msf(pct(term, 95))} ms, max ${msf(Math.max(...term))} ms`);
    console.log(`  sandbox creates (server log, create → both engines ready): pool ${poolCreates.length} p50 ${sec(pct(poolCreates, 50))} s max ${sec(Math.max(...poolCreates))} s; through the line ${lineCreates.length} p50 ${sec(pct(lineCreates, 50))} s max ${sec(Math.max(...lineCreates))} s`);
    console.log(`  checks to a pass: p50 ${pct(checks, 50)}, max ${Math.max(...checks)}; the autocheck told the page first for ${a.filter((x) => x.autoFirst).length}; console never showed ${r.consoleMissing} pass(es); ${r.roomEvents} room events`);
    console.log(`  raw docker exec -it … bash -l → prompt (${r.rawExecMs.length} runs): median ${msf(pct(r.rawExecMs, 50))} ms, min ${msf(Math.min(...r.rawExecMs))} ms, max ${msf(Math.max(...r.rawExecMs))} ms`);
    const jp = a.filter((x) => x.joinToPrompt !== undefined).map((x) => x.joinToPrompt!);
    const raw = pct(r.rawExecMs, 50);
    console.log(`  ratios to the raw exec median: join→prompt p50 ${(pct(jp, 50) / raw).toFixed(1)}×, terminal open→prompt p50 ${(pct(term, 50) / raw).toFixed(1)}×`);
    for (const f of a.filter((x) => x.error)) console.log(`  ! ${f.name}: ${f.error}`);
    if (r.problems.length) {
      console.log(`  server warnings/errors (${r.problems.length}${r.problems.length >= 50 ? '+' : ''}):`);
      for (const p of r.problems.slice(0, 10)) console.log(`    ${p}`);
    }
    if (r.leftovers.length) console.log(`  ! sandboxes left after the end: ${r.leftovers.join(' ')}`);
    console.log(`  server log: ${r.logFile}`);
  }
}

// ---- entry points -------------------------------------------------------------------------------

/** The child: the lab server, as server/main.ts wires it, with its database in `dir`. */
async function serve(dir: string): Promise<void> {
  const { config } = await import('../server/core/config.ts');
  const { openSandboxes } = await import('../server/app/openSandboxes.ts');
  const { loadLessonService } = await import('../server/lessons/service.ts');
  const { createLabServer } = await import('../server/app/labApp.ts');
  const { localEngineBackend } = await import('../server/app/sandboxBackend.ts');
  const { host, port, terminalGraceMs } = config();
  // adopt: false: the engine may hold other benches' or tests' sandboxes; they are not ours to reap.
  const sandboxes = await openSandboxes({ adopt: false });
  console.log(`BENCH engine ${sandboxes.engine.host}`);
  const lessons = await loadLessonService(path.join(ROOT, 'lessons'), sandboxes);
  const lab = await createLabServer({ backend: localEngineBackend(sandboxes, { dataDir: config().dataDir }), lessons, host, port, graceMs: terminalGraceMs, dataDir: dir });
  console.log(`Shiplab is running at ${lab.url}/`);
  let closing = false;
  const shutdown = () => {
    if (closing) process.exit(130);
    closing = true;
    void (async () => {
      await lab.close();
      await sandboxes.dispose();
      process.exit(0);
    })().catch((err) => {
      console.error(`close failed: ${errText(err)}`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

async function main(): Promise<void> {
  clockTicks = Number((await execFileP('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
  const { loadLessons } = await import('../server/lessons/format.ts');
  const { solutionLines } = await import('../server/lessons/solution.ts');
  const lesson = (await loadLessons(path.join(ROOT, 'lessons'))).find((l) => l.id === LESSON);
  const step = lesson?.steps[STEP];
  if (!step) throw new Error(`no step ${STEP + 1} in lesson ${LESSON}`);
  const lines = solutionLines(step);
  console.log(`workshop bench: each attendee types ${lines.map((l) => `\`${l.text}\` (${l.node})`).join(', ')} and checks ${LESSON} step ${STEP + 1}`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-bench-workshop-'));
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log('\ninterrupted: ending the workshop and stopping the server (Ctrl-C again to leave at once)');
    void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const runs: RunResult[] = [];
  for (const name of RUNS) {
    if (name !== 'pool' && name !== 'no-pool') throw new Error(`WORKSHOP_BENCH_RUNS: unknown run ${name} (pool, no-pool)`);
    runs.push(await runOnce(name, name === 'pool' ? POOL_SHARE : 0, workDir, lines));
  }
  report(runs);
  for (const r of runs) fs.rmSync(path.join(workDir, `${r.name}-data`), { recursive: true, force: true });
}

if (process.argv[2] === '--serve') {
  serve(process.argv[3] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-bench-serve-'))).catch((err) => {
    console.error(`the bench server could not start: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
