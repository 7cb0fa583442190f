/**
 * Which containers a node created on another node's engine over TCP, recorded on the host where a
 * learner who is root in a node cannot forge it. connTrace.ts sends two kinds of packet between
 * the nodes of a sandbox to the netfilter log (NFLOG group CREATE_LOG_GROUP): a request to the
 * engine port whose request line holds `/containers/create`, and an answer from that port holding
 * `201 Created`. One tcpdump on the host, started detached like the embedded engine so that it
 * outlives a server restart, appends them to a text log; a check reads the log back and pairs each
 * create request with the `201 Created` that answered it on the same connection, which carries
 * the new container's id. So a check can ask "did node1 create *this* container over TCP", by id,
 * not "did node1 ever send a create request".
 *
 * Not recorded: an answer whose id is not in the packet holding `201 Created` (the engine writes
 * headers and the small JSON body in one write), and anything while the recorder is down; the
 * log is read with the sandbox's creation time, so addresses reused by a later sandbox never
 * inherit an earlier one's records.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { processAlive, readPid } from './run.ts';

/** The netfilter log group both rules log to: the engine port's number, easy to recognise. */
export const CREATE_LOG_GROUP = 2375;

/** Past this size the log is moved aside at the recorder's start (one older file is kept and read). */
const ROTATE_BYTES = 64 * 1024 * 1024;

/** How long the recorder gets to say it listens (tcpdump binds the log group at once), and how
 * long a process that lost the start to another waits for that one's pid file. */
const START_TIMEOUT_MS = 5_000;
const START_POLL_MS = 50;

export interface CreateLogPaths {
  dir: string;
  log: string;
  old: string;
  pidfile: string;
}

export function createLogPaths(dataDir: string): CreateLogPaths {
  const dir = path.join(dataDir, 'traces');
  return {
    dir,
    log: path.join(dir, 'creates.log'),
    old: path.join(dir, 'creates.log.1'),
    pidfile: path.join(dir, 'tcpdump.pid'),
  };
}

/** Whether pid is a tcpdump (a pid file can outlive its process and the pid be reused). */
function isRecorder(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'tcpdump';
  } catch {
    return false;
  }
}

/** The recorder's pid when one runs. */
function liveRecorder(p: CreateLogPaths): number | undefined {
  const pid = readPid(p.pidfile);
  return pid && processAlive(pid) && isRecorder(pid) ? pid : undefined;
}

/** Starts the recorder unless it runs; idempotent across processes sharing the data dir (the
 * log group binds once: a second tcpdump fails, and the first one's pid file is taken). */
export async function ensureCreateLog(p: CreateLogPaths, tcpdump = '/usr/bin/tcpdump'): Promise<{ pid: number; started: boolean }> {
  fs.mkdirSync(p.dir, { recursive: true });
  const running = liveRecorder(p);
  if (running) return { pid: running, started: false };
  if (fs.existsSync(p.log) && fs.statSync(p.log).size > ROTATE_BYTES) fs.renameSync(p.log, p.old);
  // This start's own stderr: another process may be starting one at the same moment.
  const errFile = path.join(p.dir, `tcpdump.start.${process.pid}.err`);
  const out = fs.openSync(p.log, 'a');
  const err = fs.openSync(errFile, 'w');
  // -l line-buffered, -U packet-buffered, -n no name lookups, -A the payload as text, -s 0 whole
  // packets, -tttt dates (the log outlives a day).
  const child = spawn(tcpdump, ['-i', `nflog:${CREATE_LOG_GROUP}`, '-l', '-U', '-n', '-A', '-s', '0', '-tttt'], {
    detached: true,
    stdio: ['ignore', out, err],
  });
  child.unref();
  fs.closeSync(out);
  fs.closeSync(err);
  try {
    const pid = child.pid;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (pid !== undefined && Date.now() < deadline) {
      if (child.exitCode !== null || !processAlive(pid)) break;
      if (fs.readFileSync(errFile, 'utf8').includes('listening on')) {
        fs.writeFileSync(p.pidfile, `${pid}\n`);
        return { pid, started: true };
      }
      await new Promise((r) => setTimeout(r, START_POLL_MS));
    }
    const why = fs.readFileSync(errFile, 'utf8').trim().split('\n').slice(-3).join(' ');
    try {
      if (pid !== undefined) process.kill(pid, 'SIGTERM');
    } catch {
      // Swallow: it already exited, which is what the error says.
    }
    // Lost the race to another process's recorder: that one is the recorder.
    for (const until = Date.now() + START_TIMEOUT_MS; Date.now() < until; ) {
      const other = liveRecorder(p);
      if (other) return { pid: other, started: false };
      await new Promise((r) => setTimeout(r, START_POLL_MS));
    }
    throw new Error(`the create log (tcpdump on nflog:${CREATE_LOG_GROUP}) did not start: ${why || 'no output'}`);
  } finally {
    fs.rmSync(errFile, { force: true });
  }
}

/** Stops the recorder (by its pid file); false when none ran. */
export async function stopCreateLog(p: CreateLogPaths): Promise<boolean> {
  const pid = readPid(p.pidfile);
  if (!pid || liveRecorder(p) !== pid) return false;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  fs.rmSync(p.pidfile, { force: true });
  return true;
}

/** One container created over TCP, as the log shows it. */
export interface LoggedCreate {
  /** When the engine answered, epoch ms. */
  at: number;
  fromIp: string;
  toIp: string;
  /** The container's full id. */
  id: string;
  /** The name asked for (?name=), if any. */
  name?: string;
}

/** tcpdump's first line of a packet with -tttt -n: date, time, then `IP a.b.c.d.port > e.f.g.h.port:`. */
const PACKET_LINE = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) IP (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+):/;
const CREATE_REQUEST = /POST \/(?:v[\d.]+\/)?containers\/create(?:\?(\S*))? HTTP\/1\.[01]/;
const CREATED_ID = /"Id":"([0-9a-f]{64})"/;

type Packet = { at: number; src: string; sport: string; dst: string; dport: string; body: string[] };

/**
 * Reads a tcpdump text log line by line. A create request opens a pending create on its
 * connection (client address and port); the next `201 Created` from the server to that connection
 * closes it with the id in that packet. A packet is judged once the next one begins (or at
 * close()); records() also counts the last, still open one, without closing it.
 */
class CreateLogParser {
  private readonly _out: LoggedCreate[] = [];
  private readonly _pending = new Map<string, string | undefined>();
  private _packet: Packet | undefined;

  line(line: string): void {
    const m = PACKET_LINE.exec(line);
    if (!m) return void this._packet?.body.push(line);
    this.close();
    this._packet = { at: new Date(m[1]!.replace(' ', 'T')).getTime(), src: m[2]!, sport: m[3]!, dst: m[4]!, dport: m[5]!, body: [] };
  }

  /** Judges the open packet. */
  close(): void {
    const p = this._packet;
    this._packet = undefined;
    if (!p) return;
    const body = p.body.join('\n');
    const req = CREATE_REQUEST.exec(body);
    if (req) {
      const name = new URLSearchParams(req[1] ?? '').get('name') ?? undefined;
      this._pending.set(`${p.src}:${p.sport}>${p.dst}`, name || undefined);
      return;
    }
    const created = this._created(p, body);
    if (created !== undefined) this._pending.delete(`${p.dst}:${p.dport}>${p.src}`);
    if (created) this._out.push(created);
  }

  /** Everything recorded so far, the open packet included (`tail`: a line still being written). */
  records(tail = ''): LoggedCreate[] {
    const p = this._packet;
    const open = p && this._created(p, [...p.body, tail].join('\n'));
    return open ? [...this._out, open] : this._out;
  }

  /** For a `201 Created` packet: the create it answers (null when none was pending or it holds
   * no id); undefined for any other packet. */
  private _created(p: Packet, body: string): LoggedCreate | null | undefined {
    if (!body.includes('201 Created')) return undefined;
    const key = `${p.dst}:${p.dport}>${p.src}`;
    const id = CREATED_ID.exec(body)?.[1];
    if (!this._pending.has(key) || !id) return null;
    const name = this._pending.get(key);
    return { at: p.at, fromIp: p.dst, toIp: p.src, id, ...(name !== undefined && { name }) };
  }
}

/** The containers created in a tcpdump text log (pure; tolerates a torn last packet). */
export function parseCreateLog(text: string): LoggedCreate[] {
  const parser = new CreateLogParser();
  for (const line of text.split('\n')) parser.line(line);
  parser.close();
  return parser.records();
}

/** A log read so far: only what was appended since is read next time (the recorder only appends;
 * a rotated or new file starts over). */
interface LogState {
  ino: number;
  offset: number;
  /** The last line, not ended yet. */
  tail: string;
  parser: CreateLogParser;
}
const logs = new Map<string, LogState>();

function readLog(file: string): LoggedCreate[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    logs.delete(file);
    return [];
  }
  let s = logs.get(file);
  if (!s || s.ino !== st.ino || st.size < s.offset) {
    s = { ino: st.ino, offset: 0, tail: '', parser: new CreateLogParser() };
    logs.set(file, s);
  }
  if (st.size > s.offset) {
    const buf = Buffer.alloc(st.size - s.offset);
    const fd = fs.openSync(file, 'r');
    try {
      s.offset += fs.readSync(fd, buf, 0, buf.length, s.offset);
    } finally {
      fs.closeSync(fd);
    }
    // tcpdump -A prints bytes outside printable ASCII as '.', so a read never splits a character.
    const lines = (s.tail + buf.toString('latin1')).split('\n');
    s.tail = lines.pop()!;
    for (const line of lines) s.parser.line(line);
  }
  return s.parser.records(s.tail);
}

/** Containers `fromIp` created on the engine at `toIp` over TCP since `sinceMs` (epoch ms). */
export function loggedCreates(p: CreateLogPaths, fromIp: string, toIp: string, sinceMs: number): LoggedCreate[] {
  return [...readLog(p.old), ...readLog(p.log)].filter((c) => c.fromIp === fromIp && c.toIp === toIp && c.at >= sinceMs);
}
