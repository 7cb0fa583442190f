/**
 * One shell on one node: the node's login shell (NodeShell.open, an exec through the engine API,
 * or a host pty running NodeShell.spawnSpec's command), a headless mirror of its screen,
 * and end-to-end flow control towards at most one attached socket. The shell outlives its socket
 * for a grace period so a reload reconnects to the same shell; then it is really ended, inside
 * the node (by its marker), not just on the host.
 *
 * Beside the attached socket, any number of read-only viewers (an instructor's shadow, watch()):
 * each gets a snapshot, then the same output, but never input, never a say in flow control, and
 * never a hold on the shell's life; one that falls VIEWER_MAX_BUFFERED_BYTES behind is closed.
 *
 * Longer than most modules because attach/snapshot, viewers, flow control and the Ctrl-C skip
 * share one state (socket, queue, pause); the parts that stand alone live beside it:
 * screenMirror.ts, outputQueue.ts, scrollCuts.ts, floodMeter.ts, nodeShell.ts, typist.ts.
 */
import crypto from 'node:crypto';
import * as pty from 'node-pty';
import type { NodeName } from '../common/api.ts';
import { CloseCode } from '../common/api.ts';
import { CTRL_C, frames } from '../common/frames.ts';
import { FlowController, HIGH_WATERMARK_BYTES, LOW_WATERMARK_BYTES } from '../common/flowControl.ts';
import { atPrompt, looksLikePrompt } from '../common/prompt.ts';
import { DisposableStore, Emitter, toDisposable, type Disposable } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import type { SandboxInfo } from '../sandbox/types.ts';
import type { NodeShell, ShellProcess } from './nodeShell.ts';
import type { EchoPriority } from './echoPriority.ts';
import { echoTrace, monotonicMs, type EchoTiming } from './echoTrace.ts';
import { FloodMeter } from './floodMeter.ts';
import { OutputQueue } from './outputQueue.ts';
import { ScreenMirror } from './screenMirror.ts';
import { compactAt } from './scrollCuts.ts';

/** During a burst, output is batched this long: one frame per 5 ms instead of one per pty read,
 * well below a 60 Hz frame (VS Code's TerminalDataBufferer uses 5 ms too). The first bytes after
 * a quiet spell (a keystroke's echo) are sent in the same turn of the event loop they were read
 * in, before the mirror parses them. */
export const OUTPUT_BATCH_MS = 5;

/** While the shell floods (FloodMeter), output is sent at most this often, and compacted first
 * (scrollCuts.ts) to what the learner's screen and scrollback keep: 20 screens a second. A page
 * sent a flood every OUTPUT_BATCH_MS parsed every line of its window (256 KiB of `yes` is 131,072
 * lines for a screen that keeps ~1,050), so it never idled: on a shared machine it took the core
 * the shell, the engine and the server waited for, and handled a Ctrl-C's skip frame late. */
export const FLOOD_BATCH_MS = 50;

/** Ctrl-C during a flood: output is not streamed but only mirrored until the shell has been
 * quiet this long, then one redraw of the screen replaces the scrolling (see _startSkip). Gaps
 * inside a draining flood are under 2 ms here; an event-loop stall that only looks like quiet is
 * ruled out by looking again after pending I/O was read (setImmediate), and a pty paused for the
 * mirror is not quiet. 15 ms keeps Ctrl-C → prompt under 50 ms with a whole pipeline to drain. */
export const SKIP_QUIET_MS = 15;
/** During a skip, output that ends like a prompt (the shell is back) ends the skip after only this
 * much quiet: the rest of the pipeline came before the prompt. */
export const SKIP_PROMPT_QUIET_MS = 3;
/** How much of the end of a read is looked at for a prompt (a coloured prompt with its escapes). */
const PROMPT_TAIL_CHARS = 256;

/** A program that ignores Ctrl-C and keeps flooding gets streamed again after this long. */
const SKIP_MAX_MS = 3_000;

/** Output taken in one turn of the event loop before a shell yields to the other sockets (its
 * stream paused until setImmediate, after the poll phase), while another terminal is typing
 * (EchoPriority.othersTyping). libuv reads a ready socket up to 32 times, 64 KiB each, before it
 * polls the others, and every read is queued, compacted and mirrored before the next: a learner's
 * `yes` held the server 70 to 170 ms at a time, and another learner's keystroke, already in its
 * socket, waited that long to be read (bench/terminal.ts --node: 140 of a 152 ms echo). Only then:
 * alone, a flood read in bursts is compacted more for a page that is behind, which reached the end
 * of 50 MB in the page at 15.5 MB/s against 11.5 MB/s yielding every turn. */
export const TURN_BUDGET_BYTES = 64 * 1024;

/** After the host-side pty is sent SIGHUP, it gets this long to exit before SIGKILL. */
const PTY_KILL_AFTER_MS = 2_000;

/** Initial size until the browser sends its real one. */
const DEFAULT_COLS = 80;
const DEFAULT_ROWS = 24;

/** A viewer whose output waiting on the server (after compaction: only output with escapes on
 * every line stays this large) or in its socket passes this many bytes is closed: it cannot keep
 * up, and viewers never hold the shell back. Its socket is only given more while it holds less
 * than VIEWER_CHUNK_BYTES, so a flood of plain text (`yes`, a long line) reaches a slow viewer
 * compacted, as it reaches the learner. */
export const VIEWER_MAX_BUFFERED_BYTES = 1024 * 1024;

/** Close code for a viewer that fell behind: WebSocket's 1013 "try again later"; reconnecting
 * gets a fresh snapshot. */
export const VIEWER_TOO_SLOW_CODE = 1013;

/** The learner's output queue (what waits for room in its window) may hold this much after
 * compaction before the shell waits for the learner: 4 × HIGH_WATERMARK_BYTES, so a page that
 * renders slower than the shell writes gets compacted output, not a paused shell, unless it cannot
 * be compacted. Per terminal, only while its learner is behind. */
export const QUEUE_MAX_BYTES = 1024 * 1024;

/** A viewer whose socket is busy gets its queue this much later if no output comes meanwhile. */
const VIEWER_RETRY_MS = 20;

/** Output frames for viewers are at most this large (the learner's are bounded by its window). */
const VIEWER_CHUNK_BYTES = HIGH_WATERMARK_BYTES;

/** WebSocket close reasons are limited to 123 bytes by RFC 6455. */
const MAX_CLOSE_REASON_BYTES = 123;

/** What a session needs from a socket; the hub adapts a `ws` WebSocket to it. */
export interface TerminalSocket {
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
  /** Bytes queued in the socket and not yet handed to the kernel. */
  readonly bufferedAmount: number;
}

export interface TerminalSessionOptions {
  sandbox: SandboxInfo;
  node: NodeName;
  shell: NodeShell;
  /** How long the shell survives without a socket, ms. */
  graceMs: number;
  log: Logger;
  /** Shared by the server's terminals: a flooding shell is held while another waits for an
   * echo (echoPriority.ts). Without it, nothing is held. */
  priority?: EchoPriority;
}

export interface TerminalStats {
  sandboxId: string;
  node: NodeName;
  marker: string;
  attached: boolean;
  /** Read-only viewers watching (watch()). */
  viewers: number;
  /** Output bytes sent and not yet acknowledged by the client. */
  unacked: number;
  /** The largest `unacked` ever reached; flow control keeps it <= HIGH_WATERMARK_BYTES. */
  maxUnacked: number;
  /** Output bytes waiting on the server for room in the client's window. */
  pendingBytes: number;
  /** Characters the headless mirror has not parsed yet. */
  mirrorBacklog: number;
  /** The socket's own send queue. */
  bufferedAmount: number;
  ptyPaused: boolean;
  /** How often the pty was paused. */
  pauses: number;
  /** How often Ctrl-C during a flood skipped to a snapshot. */
  skips: number;
  /** How often this shell's flood was held for another terminal's echo. */
  echoHolds: number;
  /** Output bytes sent in total. */
  bytesOut: number;
  /** Output bytes the learner never got because they would have scrolled out before it could
   * see them (the queue compacted while it was behind). */
  compacted: number;
  /** The last Ctrl-C skip, from the Ctrl-C to the redraw (or snapshot) that ends it going out
   * (ms; 0 before the first). */
  lastSkipMs: number;
}

export interface EndOptions {
  /** Close code for the attached socket. */
  code: number;
  reason: string;
  /** End the marked processes inside the node too (false when the node is gone anyway). */
  inNode: boolean;
}

/** A read-only viewer: its own queue of output since its snapshot. */
interface Viewer {
  readonly socket: TerminalSocket;
  readonly queue: OutputQueue;
  /** Counts snapshots asked for; only the latest one's callback sends. */
  snapshots: number;
  /** Waiting for its snapshot: output is queued, not sent. */
  waiting: boolean;
}

/** True when a read ends like a shell prompt (escape sequences aside): the prompt rule's
 * PROMPT_AT_CURSOR on the text after the read's last line break. */
export function endsLikePrompt(data: string): boolean {
  const tail = data.slice(-PROMPT_TAIL_CHARS).replace(ESCAPE_SEQUENCE, '');
  return looksLikePrompt(tail.slice(Math.max(tail.lastIndexOf('\n'), tail.lastIndexOf('\r')) + 1));
}

/** CSI, OSC (to BEL or ST) and two-character escape sequences. */
const ESCAPE_SEQUENCE = /\x1b\[[0-?]*[ -\/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -\/]*[0-~]/g;

export function closeReason(s: string): string {
  let r = s;
  while (Buffer.byteLength(r) > MAX_CLOSE_REASON_BYTES) r = r.slice(0, -1);
  return r;
}

export class TerminalSession implements Disposable {
  /** Tags every process of this shell inside the node (SHIPLAB_TERM=<marker>). */
  readonly marker = crypto.randomBytes(12).toString('hex');
  readonly sandbox: SandboxInfo;
  readonly node: NodeName;

  private readonly _store = new DisposableStore();
  private readonly _onEnded = this._store.add(new Emitter<{ exitCode?: number }>());
  /** Fires once when the shell is gone, for whatever reason. */
  readonly onEnded = this._onEnded.event;

  private readonly _opts: TerminalSessionOptions;
  private readonly _log: Logger;
  private readonly _pty: ShellProcess;
  private readonly _mirror: ScreenMirror;
  private readonly _flow = new FlowController();
  private _socket: TerminalSocket | undefined;
  private _attaching = false;
  private readonly _viewers = new Set<Viewer>();
  private _holds = 0;
  private _lastOutputAt = performance.now();
  private _lineFeeds = 0;
  private readonly _queue = new OutputQueue();
  private _batch: ReturnType<typeof setTimeout> | undefined;
  private _lastFlush = 0;
  /** When the last keystroke was written, while someone subscribes to echoTrace and its echo
   * has not come yet. */
  private _echoWrittenAt: number | undefined;
  private _skipping = false;
  private _skipStarted = 0;
  private _lastData = 0;
  /** The last read of this skip ended like a prompt (endsLikePrompt): SKIP_PROMPT_QUIET_MS ends it. */
  private _skipAtPrompt = false;
  private _skipTimer: ReturnType<typeof setTimeout> | undefined;
  private _skips = 0;
  private _lastSkipMs = 0;
  private readonly _floodMeter = new FloodMeter();
  private _grace: ReturnType<typeof setTimeout> | undefined;
  private _ptyPaused = false;
  /** Output taken this turn of the event loop, and whether the shell yields until it ends. */
  private _turnBytes = 0;
  private _turnEnd: ReturnType<typeof setImmediate> | undefined;
  private _yielding = false;
  /** Held for another terminal's echo (EchoPriority); resumed when the hold ends. */
  private _held = false;
  private _echoHolds = 0;
  private _pauses = 0;
  private _bytesOut = 0;
  private _exited = false;
  /** The learner's queue stayed full after compaction: the shell is paused until the queue is
   * below this many bytes (0: not full). */
  private _queueFullBelow = 0;
  private _viewerRetry: ReturnType<typeof setTimeout> | undefined;
  /** Where (in characters written to the mirror) the last output holding ESC or CSI ends: until
   * the mirror has parsed that far its modes may not be the client's, so long wrapped lines are
   * not cut (_pushCompacting). */
  private _escapesUntil = 0;
  private _ending: Promise<void> | undefined;

  constructor(opts: TerminalSessionOptions) {
    this._opts = opts;
    this.sandbox = opts.sandbox;
    this.node = opts.node;
    this._log = opts.log.child(`${opts.sandbox.id}/${opts.node}`);
    this._mirror = this._store.add(new ScreenMirror(DEFAULT_COLS, DEFAULT_ROWS));
    this._pty = opts.shell.open?.(opts.sandbox, opts.node, this.marker, { cols: DEFAULT_COLS, rows: DEFAULT_ROWS }) ?? this._spawn(opts);
    this._log.debug('shell started', { pid: this._pty.pid, marker: this.marker });
    this._store.add(this._pty.onData((d) => this._onPtyData(d)));
    this._store.add(this._pty.onExit((e) => this._onPtyExit(e.exitCode)));
    if (opts.priority) {
      const priority = opts.priority;
      this._store.add(
        priority.onRelease(() => {
          if (!this._held) return;
          this._held = false;
          this._updatePause();
        }),
      );
      // An ended shell neither waits for an echo nor types any more.
      this._store.add(toDisposable(() => priority.forget(this)));
    }
    this._store.add(toDisposable(() => this._killPty()));
    this._store.add(toDisposable(() => {
      this._cancelBatch();
      clearTimeout(this._grace);
      clearTimeout(this._skipTimer);
      clearTimeout(this._viewerRetry);
      clearImmediate(this._turnEnd);
    }));
    // No socket yet: the grace period runs from the start, so a shell nobody attaches to ends.
    this._startGrace();
  }

  /** The shell in a host pty running the NodeShell's command. */
  private _spawn(opts: TerminalSessionOptions): ShellProcess {
    const spec = opts.shell.spawnSpec(opts.sandbox, opts.node, this.marker);
    return pty.spawn(spec.file, spec.args, {
      name: 'xterm-256color',
      cols: DEFAULT_COLS,
      rows: DEFAULT_ROWS,
      cwd: process.env.HOME ?? '/',
      env: spec.env,
    });
  }

  get isEnded(): boolean {
    return this._store.isDisposed || this._ending !== undefined;
  }

  get stats(): TerminalStats {
    return {
      sandboxId: this.sandbox.id,
      node: this.node,
      marker: this.marker,
      attached: this._socket !== undefined,
      viewers: this._viewers.size,
      unacked: this._flow.unacked,
      maxUnacked: this._flow.maxUnacked,
      pendingBytes: this._queue.bytes,
      mirrorBacklog: this._mirror.backlog,
      bufferedAmount: this._socket?.bufferedAmount ?? 0,
      ptyPaused: this._ptyPaused,
      pauses: this._pauses,
      skips: this._skips,
      echoHolds: this._echoHolds,
      bytesOut: this._bytesOut,
      compacted: this._queue.dropped,
      lastSkipMs: this._lastSkipMs,
    };
  }

  /** A socket (the learner's) is attached; viewers do not count. */
  get isAttached(): boolean {
    return this._socket !== undefined;
  }

  /** The mirror's visible screen as text (tests, logs). */
  screenText(): string {
    return this._mirror.text();
  }

  /** The text left of the cursor on the mirror's screen, as far as it has parsed. */
  cursorLine(): string {
    return this._mirror.cursorLine();
  }

  /** When the shell last wrote output (performance.now() ms; the session's start before that). */
  get lastOutputAt(): number {
    return this._lastOutputAt;
  }

  /** Grows each time the shell writes output holding a line feed (a typed line's Enter echoes
   * one): compare two readings to know whether a line feed came between them. */
  get lineFeeds(): number {
    return this._lineFeeds;
  }

  /** The one prompt rule (server/common/prompt.ts) on the mirror: it has parsed everything, the
   * shell has been quiet for PROMPT_QUIET_MS, and the text left of the cursor ends like a prompt. */
  atPrompt(): boolean {
    return atPrompt({
      parsed: this._mirror.backlog === 0,
      quietForMs: performance.now() - this._lastOutputAt,
      cursorLine: () => this._mirror.cursorLine(),
    });
  }

  /**
   * Keeps the shell alive past its grace period until the returned handle is disposed (the
   * server typing lines into a shell nobody is attached to); then, with no socket attached, the
   * grace period starts over.
   */
  keepAlive(): Disposable {
    this._holds++;
    clearTimeout(this._grace);
    this._grace = undefined;
    return toDisposable(() => {
      this._holds--;
      if (this._holds === 0 && !this._socket && !this.isEnded) this._startGrace();
    });
  }

  /**
   * Adds a read-only viewer: it gets a snapshot of the screen (as a reconnecting socket does),
   * then every byte of output, in output frames. It is never the attached socket, and has no say
   * in flow control or the grace period. One whose bufferedAmount passes
   * VIEWER_MAX_BUFFERED_BYTES is closed with VIEWER_TOO_SLOW_CODE. When the shell ends, viewers
   * are closed like the attached socket. Disposing the handle stops watching (the socket is left
   * open; its owner closes it).
   */
  watch(socket: TerminalSocket): Disposable {
    if (this.isEnded) {
      socket.close(CloseCode.Ended, 'the shell has ended; reconnect for a new one');
      return toDisposable(() => {});
    }
    const viewer: Viewer = { socket, queue: new OutputQueue(), snapshots: 0, waiting: true };
    this._viewers.add(viewer);
    this._snapshotViewer(viewer);
    return toDisposable(() => {
      this._viewers.delete(viewer);
    });
  }

  /** Attaches a socket: it gets a snapshot of the screen, then live output. A socket already
   * attached is closed with CloseCode.Replaced. */
  attach(socket: TerminalSocket): void {
    if (this.isEnded) {
      socket.close(CloseCode.Ended, 'the shell has ended; reconnect for a new one');
      return;
    }
    clearTimeout(this._grace);
    this._grace = undefined;
    const old = this._socket;
    this._socket = socket;
    if (old) old.close(CloseCode.Replaced, 'this terminal was opened in another window');
    this._flow.reset();
    this._stopSkipping();
    this._sendSnapshot(socket);
    this._updatePause();
  }

  /** Replaces the client's screen with the mirror's. */
  private _sendSnapshot(socket: TerminalSocket): void {
    this._sendScreen(socket, () => this._sendMirrorSnapshot(socket));
  }

  /** The shape both a snapshot and a skip's end share: the queue starts again from the mirror's
   * screen. What the shell wrote before now is in the mirror; what it writes from now on is
   * queued. Once the mirror has parsed up to here, `send` sends its screen; then the queue follows. */
  private _sendScreen(socket: TerminalSocket, send: () => void): void {
    this._queue.clear();
    this._attaching = true;
    this._mirror.whenParsed(() => {
      if (this._socket !== socket || this.isEnded) return;
      send();
      this._attaching = false;
      this._flush();
    });
  }

  private _sendMirrorSnapshot(socket: TerminalSocket): void {
    socket.send(frames.snapshot(this._mirror.cols, this._mirror.rows, this._mirror.snapshot()));
  }

  /** A viewer's screen restarts from the mirror's, as in _sendSnapshot, on its own queue. */
  private _snapshotViewer(viewer: Viewer): void {
    viewer.queue.clear();
    viewer.waiting = true;
    const n = ++viewer.snapshots;
    this._mirror.whenParsed(() => {
      if (!this._viewers.has(viewer) || viewer.snapshots !== n || this.isEnded) return;
      viewer.waiting = false;
      this._sendToViewer(viewer, frames.snapshot(this._mirror.cols, this._mirror.rows, this._mirror.snapshot()));
      this._flushViewer(viewer);
    });
  }

  /** Sends one frame to a viewer; closes it, and forgets it, once it has fallen too far behind. */
  private _sendToViewer(viewer: Viewer, frame: Uint8Array): boolean {
    if (!this._viewers.has(viewer)) return false;
    viewer.socket.send(frame);
    if (viewer.socket.bufferedAmount <= VIEWER_MAX_BUFFERED_BYTES) return true;
    this._dropViewer(viewer, viewer.socket.bufferedAmount);
    return false;
  }

  private _dropViewer(viewer: Viewer, behind: number): void {
    this._viewers.delete(viewer);
    this._log.info('closing a terminal viewer that fell behind', { behind });
    viewer.socket.close(VIEWER_TOO_SLOW_CODE, closeReason('this viewer fell more than 1 MiB behind the terminal; reconnect for a fresh screen'));
  }

  /** Sends a viewer its queue while its socket keeps up; the rest waits (and compacts, as the
   * learner's does) for a later flush, or the retry. One that cannot be compacted below
   * VIEWER_MAX_BUFFERED_BYTES is closed. */
  private _flushViewer(viewer: Viewer): void {
    if (viewer.waiting) return;
    while (viewer.queue.bytes > 0 && viewer.socket.bufferedAmount < VIEWER_CHUNK_BYTES) {
      const { text, bytes } = viewer.queue.take(VIEWER_CHUNK_BYTES);
      if (bytes === 0 || !this._sendToViewer(viewer, frames.outputText(text, bytes))) return;
    }
    if (viewer.queue.bytes > VIEWER_MAX_BUFFERED_BYTES) {
      this._dropViewer(viewer, viewer.queue.bytes);
    } else if (viewer.queue.bytes > 0) {
      this._viewerRetry ??= setTimeout(() => {
        this._viewerRetry = undefined;
        for (const v of [...this._viewers]) this._flushViewer(v);
      }, VIEWER_RETRY_MS);
    }
  }

  /** Ends a Ctrl-C skip early (a socket came or went): viewers missed the skipped output, so
   * their screens restart from the mirror's. */
  private _stopSkipping(): void {
    if (!this._skipping) return;
    this._skipping = false;
    clearTimeout(this._skipTimer);
    for (const v of this._viewers) this._snapshotViewer(v);
  }

  /**
   * Ctrl-C while output floods: the shell's pipeline (docker exec's buffers hold ~2 MB) would
   * keep scrolling for a second or more at the client's pace. Instead the client is told to drop
   * what it has not shown (a skip frame), the rest is only fed to the mirror (at parser speed),
   * and once the shell is quiet one redraw shows the result: the same screen, without the wait.
   */
  private _startSkip(): void {
    if (this._skipping || !this._socket || this._attaching) return;
    this._skipping = true;
    this._skips++;
    this._skipStarted = performance.now();
    this._lastData = this._skipStarted;
    this._skipAtPrompt = false;
    this._queue.clear();
    // The client drops the output it has not shown yet and waits for the redraw with its screen
    // idle, instead of parsing up to a window of output the redraw supersedes.
    this._socket.send(frames.skip());
    // Viewers skip with the learner: they get a snapshot of the same screen at the end.
    for (const v of [...this._viewers]) {
      v.queue.clear();
      this._sendToViewer(v, frames.skip());
    }
    this._armSkipTimer(SKIP_QUIET_MS);
    this._updatePause();
  }

  private _flooding(): boolean {
    return this._floodMeter.flooding(performance.now(), {
      ptyPaused: this._ptyPaused,
      windowFilled: this._flow.unacked + this._queue.bytes >= LOW_WATERMARK_BYTES,
    });
  }

  /** Looks after `ms` whether the skip can end (_endSkipIfQuiet). */
  private _armSkipTimer(ms: number): void {
    clearTimeout(this._skipTimer);
    // Timers run before the poll phase: after a stall, output already waiting in the socket has
    // not been read yet. setImmediate looks after the poll phase has read it.
    this._skipTimer = setTimeout(() => setImmediate(() => this._endSkipIfQuiet()), ms);
  }

  /** Ends the skip once output has been quiet for SKIP_PROMPT_QUIET_MS after a prompt, or
   * SKIP_QUIET_MS after anything else; else looks again when that much quiet may have passed. */
  private _endSkipIfQuiet(): void {
    if (!this._skipping || this.isEnded) return;
    const now = performance.now();
    const quietFor = now - this._lastData;
    const quietMs = this._skipAtPrompt ? SKIP_PROMPT_QUIET_MS : SKIP_QUIET_MS;
    if ((quietFor < quietMs || this._ptyPaused) && now - this._skipStarted < SKIP_MAX_MS) {
      // A timer can fire up to a millisecond before performance.now() says it should (libuv
      // times it from the loop's cached clock): look again for the rest, at the same quiet. It
      // once fell back to SKIP_QUIET_MS here and a Ctrl-C whose prompt had come waited 15 ms more.
      return this._armSkipTimer(Math.max(1, quietMs - quietFor));
    }
    this._skipping = false;
    if (this._socket) this._sendSkipEnd(this._socket);
    for (const v of this._viewers) this._snapshotViewer(v);
  }

  /** A skip ends by redrawing the learner's screen as the mirror's (ScreenMirror.redraw), which
   * keeps the scrollback the learner had seen; on the alternate screen, with a snapshot. */
  private _sendSkipEnd(socket: TerminalSocket): void {
    const started = this._skipStarted;
    this._sendScreen(socket, () => {
      const redraw = this._mirror.redraw();
      if (redraw === undefined) {
        this._sendMirrorSnapshot(socket);
      } else {
        const bytes = Buffer.byteLength(redraw, 'utf8');
        socket.send(frames.outputText(redraw, bytes));
        this._flow.sent(bytes);
        this._bytesOut += bytes;
      }
      this._lastSkipMs = performance.now() - started;
    });
  }

  /** The socket went away: forget its window and start the grace period. */
  detach(socket: TerminalSocket): void {
    if (this._socket !== socket) return;
    this._socket = undefined;
    this._attaching = false;
    this._stopSkipping();
    this._flow.reset();
    this._queue.clear();
    this._updatePause();
    if (!this.isEnded && this._holds === 0) this._startGrace();
  }

  input(data: Uint8Array): void {
    if (this.isEnded || this._exited) return;
    if (data.includes(CTRL_C) && this._flooding()) this._startSkip();
    this._opts.priority?.input(this);
    if (echoTrace.hasSubscribers) this._echoWrittenAt = monotonicMs();
    this._pty.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  resize(cols: number, rows: number): void {
    if (this.isEnded || this._exited) return;
    if (cols === this._mirror.cols && rows === this._mirror.rows) return;
    try {
      this._pty.resize(cols, rows);
    } catch (err) {
      // Swallow only the known race: the pty exited between our check and the ioctl.
      if (!/closed|exited|EBADF|ioctl/i.test(String(err))) throw err;
    }
    this._mirror.resize(cols, rows);
    // Viewers learn the new size the one way the wire has: a snapshot taken at it.
    for (const v of this._viewers) this._snapshotViewer(v);
  }

  ack(bytes: number): void {
    this._flow.acked(bytes);
    // A flood's batch is due: it sends the queue, compacted. A queue that compaction leaves large
    // (an escape on every line) goes out as the window opens, as before.
    if (this._queue.bytes > 0 && !(this._batch && this._queue.bytes < LOW_WATERMARK_BYTES)) this._flush();
    this._updatePause();
  }

  /**
   * Ends the shell: closes the socket with `code`, ends the marked processes inside the node
   * (HUP, then KILL), then the host-side pty. Idempotent; resolves when everything is gone.
   */
  end(opts: EndOptions): Promise<void> {
    if (this._ending) return this._ending;
    this._ending = (async () => {
      clearTimeout(this._grace);
      const socket = this._socket;
      this._socket = undefined;
      socket?.close(opts.code, closeReason(opts.reason));
      this._closeViewers(opts.code, opts.reason);
      this._log.debug('ending shell', { reason: opts.reason, inNode: opts.inNode });
      if (opts.inNode && !this._exited) await this._opts.shell.endMarked(this.sandbox, this.node, this.marker);
      await this._killPty();
      await this.dispose();
    })();
    return this._ending;
  }

  async dispose(): Promise<void> {
    if (this._store.isDisposed) return;
    this._closeViewers(CloseCode.Ended, 'the shell has ended; reconnect for a new one');
    this._onEnded.fire({ exitCode: this._exitCode });
    await this._store.dispose();
  }

  private _exitCode: number | undefined;

  private _anyViewerLive(): boolean {
    for (const v of this._viewers) if (!v.waiting) return true;
    return false;
  }

  private _closeViewers(code: number, reason: string): void {
    const viewers = [...this._viewers];
    this._viewers.clear();
    for (const v of viewers) v.socket.close(code, closeReason(reason));
  }

  private _onPtyData(data: string): void {
    const now = performance.now();
    const echoReadAt = this._echoWrittenAt !== undefined ? monotonicMs() : undefined;
    this._lastOutputAt = now;
    // One count per read that holds a line feed, not per line feed: `yes` writes millions a
    // second, and the typist only asks whether one came since it pressed Enter.
    if (data.includes('\n')) this._lineFeeds++;
    this._floodMeter.count(data.length, now);
    const priority = this._opts.priority;
    if (priority) {
      priority.output(this);
      if (!this._held && this._flooding() && priority.holds(this, now)) {
        this._held = true;
        this._echoHolds++;
      }
      this._turnBytes += data.length;
      this._turnEnd ??= setImmediate(() => this._endTurn());
      if (!this._yielding && this._turnBytes >= TURN_BUDGET_BYTES && priority.othersTyping(this, now)) this._yielding = true;
    }
    let sendingAt: number | undefined;
    if (this._skipping) {
      this._lastData = now;
      // Output after a prompt-like read (the prompt was not the end): back to the full quiet.
      this._skipAtPrompt = endsLikePrompt(data);
      if (this._skipAtPrompt) this._armSkipTimer(SKIP_PROMPT_QUIET_MS);
    }
    else if (this._socket || this._viewers.size > 0) {
      // Text, not bytes: encoded once, into the frame that sends it (OutputQueue).
      const bytes = Buffer.byteLength(data, 'utf8');
      if (this._socket) this._pushCompacting(this._queue, data, bytes);
      for (const v of this._viewers) this._pushCompacting(v.queue, data, bytes);
      if (!this._batch && ((this._socket && !this._attaching) || this._anyViewerLive())) {
        // After a quiet spell the first bytes (a keystroke's echo) go out now, before the mirror
        // sees them; during a burst, once per OUTPUT_BATCH_MS; during a flood, once per
        // FLOOD_BATCH_MS, compacted.
        const flooding = this._flooding();
        const wait = this._lastFlush + (flooding ? FLOOD_BATCH_MS : OUTPUT_BATCH_MS) - now;
        if (wait <= 0) {
          if (echoReadAt !== undefined && this._socket && !this._attaching) sendingAt = monotonicMs();
          this._flush(flooding);
        } else this._batch = setTimeout(() => this._flush(this._flooding()), wait);
      }
    }
    if (echoReadAt !== undefined) this._traceEcho(echoReadAt, sendingAt);
    // The mirror parses later (xterm's write queue); a snapshot waits for it, the echo never does.
    this._mirror.write(data, () => {
      if (this._queueFullBelow > 0) this._compactQueue();
      this._updatePause();
    });
    if (data.includes('\x1b') || data.includes('\x9b')) this._escapesUntil = this._mirror.settled + this._mirror.backlog;
    this._updatePause();
  }

  private _traceEcho(readAt: number, sendingAt: number | undefined): void {
    const timing: EchoTiming = { written: this._echoWrittenAt!, read: readAt, sent: sendingAt };
    this._echoWrittenAt = undefined;
    echoTrace.publish(timing);
  }

  /** A turn of the event loop is over: a shell that yielded reads again. */
  private _endTurn(): void {
    this._turnEnd = undefined;
    this._turnBytes = 0;
    if (!this._yielding) return;
    this._yielding = false;
    this._updatePause();
  }

  private _onPtyExit(exitCode: number): void {
    this._exited = true;
    this._exitCode = exitCode;
    this._log.debug('shell exited', { exitCode });
    const socket = this._socket;
    const reason = `the shell ended with exit code ${exitCode}`;
    if (socket && !this._ending) {
      // The shell is gone: its last words go out whatever the window says (bounded by HIGH).
      while (!this._attaching && this._queue.bytes > 0) {
        const { text, bytes } = this._queue.take(this._queue.bytes);
        if (bytes === 0) break;
        socket.send(frames.outputText(text, bytes));
      }
      socket.send(frames.exit(exitCode));
      socket.close(CloseCode.Ended, reason);
      this._socket = undefined;
    }
    if (!this._ending) {
      for (const v of [...this._viewers]) {
        this._flushViewer(v);
        if (this._viewers.has(v)) v.socket.send(frames.exit(exitCode));
      }
      this._closeViewers(CloseCode.Ended, reason);
    }
    void this.dispose();
  }

  /**
   * Queues output for a client; past the queue's threshold, drops what would scroll out of the
   * client's screen and scrollback before it sees it (OutputQueue.compact). So a client that is
   * behind (a page rendering a flood) does not hold the shell back while the output can be
   * compacted: it gets the same screen without the bytes nobody could see. Long wrapped lines are
   * cut only while the mirror has parsed every escape sequence written so far, so its modes
   * (auto-wrap, insert) are the client's at the queue's end. A resize racing a long-line flood may
   * shift which characters of that line the scrollback holds, as a reflow would.
   */
  private _pushCompacting(queue: OutputQueue, text: string, bytes: number): void {
    queue.push(text, bytes);
    if (queue.bytes >= queue.compactAt(this._mirror.keepLines, this._mirror.cols)) return this._compactQueue(queue);
    if (queue !== this._queue) return;
    const max = this._queueMax();
    if (queue.bytes >= max) this._queueFullBelow = max / 2;
  }

  /**
   * The learner's queue holds at most this much after compaction; past it the shell waits for the
   * learner, as it would without compaction (output with an escape on every line compacts to
   * nothing less). Above any compaction threshold, so a long line being written is never "full"
   * before it could be cut. Resumes at half.
   */
  private _queueMax(): number {
    return Math.max(QUEUE_MAX_BYTES, 2 * compactAt(this._queue.trailingRun, this._mirror.keepLines, this._mirror.cols));
  }

  /** Compacts a queue (the learner's by default); the mirror catching up (its modes known again)
   * compacts a full one once more. */
  private _compactQueue(queue = this._queue): void {
    const plainWrap = this._mirror.plainWrap && this._mirror.settled >= this._escapesUntil;
    queue.compact(this._mirror.keepLines, this._mirror.cols, plainWrap);
    if (queue !== this._queue) return;
    const max = this._queueMax();
    this._queueFullBelow = queue.bytes >= max ? max / 2 : 0;
  }

  /** Sends what the windows have room for; a flood's batch (`compact`) is compacted first, for
   * viewers too (an instructor's room watches every attendee's terminal). */
  private _flush(compact = false): void {
    this._cancelBatch();
    this._lastFlush = performance.now();
    if (compact) {
      if (this._queue.bytes > 0) this._compactQueue();
      for (const v of this._viewers) if (v.queue.bytes > 0) this._compactQueue(v.queue);
    }
    for (const v of [...this._viewers]) this._flushViewer(v);
    const socket = this._socket;
    if (!socket || this._attaching) return;
    while (this._queue.bytes > 0) {
      const room = this._flow.room;
      // The socket's own queue is part of `unacked`, so this only trips if the kernel stalls.
      if (room <= 0 || socket.bufferedAmount >= HIGH_WATERMARK_BYTES) break;
      const { text, bytes } = this._queue.take(room);
      if (bytes === 0) break;
      socket.send(frames.outputText(text, bytes));
      this._flow.sent(bytes);
      this._bytesOut += bytes;
    }
    this._updatePause();
  }

  private _cancelBatch(): void {
    clearTimeout(this._batch);
    this._batch = undefined;
  }

  /** Pauses the pty while held for another terminal's echo, while it yields the rest of a turn,
   * when the learner's queue stays full after compaction, or when the mirror's parser is behind;
   * resumes when none of that holds. */
  private _updatePause(): void {
    if (this._exited || this._store.isDisposed) return;
    // While skipping, nothing is sent, so the client's window does not hold the shell back. A full
    // window alone does not either: the queue compacts (_pushCompacting) until it cannot.
    if (this._queueFullBelow > 0 && (this._skipping || this._queue.bytes < this._queueFullBelow)) this._queueFullBelow = 0;
    const full = this._queueFullBelow > 0;
    const backlog = this._mirror.parserBacklog;
    const flow = full || backlog >= HIGH_WATERMARK_BYTES;
    if (!this._ptyPaused && (this._held || this._yielding || flow)) {
      this._ptyPaused = true;
      // A yield is not counted; a hold is, but is not flow control: it does not make the shell
      // look like it floods.
      if (this._held || flow) this._pauses++;
      if (flow) this._floodMeter.paused(performance.now());
      this._pty.pause();
    } else if (this._ptyPaused && !this._held && !this._yielding && !full && backlog < LOW_WATERMARK_BYTES) {
      this._ptyPaused = false;
      this._pty.resume();
    }
  }

  private _startGrace(): void {
    clearTimeout(this._grace);
    this._grace = setTimeout(() => {
      void this.end({ code: CloseCode.Ended, reason: 'no terminal attached for the grace period', inNode: true });
    }, this._opts.graceMs);
  }

  private async _killPty(): Promise<void> {
    if (this._exited) return;
    const exited = new Promise<void>((resolve) => {
      const sub = this._pty.onExit(() => {
        sub.dispose();
        resolve();
      });
    });
    try {
      if (this._ptyPaused) this._pty.resume();
      this._pty.kill('SIGHUP');
    } catch {
      // Swallow: the process already exited between the check and the signal.
    }
    const timer = setTimeout(() => {
      try {
        this._pty.kill('SIGKILL');
      } catch {
        // Swallow: it exited during the wait.
      }
    }, PTY_KILL_AFTER_MS);
    await Promise.race([exited, new Promise((r) => setTimeout(r, PTY_KILL_AFTER_MS * 2))]);
    clearTimeout(timer);
  }
}
