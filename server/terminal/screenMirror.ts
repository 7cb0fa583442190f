/**
 * A server-side headless terminal fed with everything the shell writes, so a browser that
 * reconnects gets a snapshot frame that restores the screen (and recent scrollback).
 *
 * Parsing is off the path to the socket: output is kept and handed to the parser after
 * MIRROR_DELAY_MS (or at once when someone needs the screen: a snapshot, whenParsed). Before
 * that, plain text that would scroll out of the scrollback anyway is dropped unparsed (see
 * plainCut and runCuts): the headless xterm parses `yes` at ~10 MB/s on this machine, half a core
 * for one learner's flood, in event-loop stalls of up to 30 ms that every other terminal's echo
 * waited on; one long wrapped line (`head -c 50M /dev/zero | tr '\0' a`) at ~38 MB/s, which was
 * what the whole path reached.
 */
import headless from '@xterm/headless';
import serializePkg from '@xterm/addon-serialize';
import type { Disposable } from '../common/lifecycle.ts';
import { MAX_FRAME_BYTES } from '../common/frames.ts';
import { SCROLLBACK_LINES } from '../common/flowControl.ts';
import { cursorLineText, screenText } from '../common/screenText.ts';
import { compactAt, compactChunks, countLineFeeds, runKeepChars, trailingRun } from './scrollCuts.ts';

const { Terminal } = headless;
const { SerializeAddon } = serializePkg;

/** Lines of scrollback kept and replayed: the clients' own (SCROLLBACK_LINES); 1000 lines of 80
 * columns with colours stays far under MAX_FRAME_BYTES. */
export const MIRROR_SCROLLBACK_LINES = SCROLLBACK_LINES;

/** Bytes reserved in a snapshot frame for its header (opcode + cols + rows). */
const SNAPSHOT_HEADER_BYTES = 5;

/** Output is parsed once the shell has been quiet this long, so a burst is compacted and parsed
 * in one go. A keystroke's echo was sent long before; the prompt rule waits PROMPT_QUIET_MS (150)
 * anyway. */
export const MIRROR_DELAY_MS = 15;

/** During a burst that never pauses for MIRROR_DELAY_MS, pending output is parsed at least this
 * often: the mirror lags a running flood by at most this much (a snapshot or a prompt check
 * parses at once anyway), and parses a tenth of what a 15 ms cadence would. */
export const MIRROR_MAX_DELAY_MS = 150;

/** The parser is handed pending output in slices of at most this many characters: xterm checks
 * its time budget (12 ms) between writes, not inside one, and one write of 370 K characters of
 * `yes` took 280 ms of the event loop. 16 K characters of `yes` parse in ~2 ms here. */
const PARSE_SLICE_CHARS = 16 * 1024;
/** Pending plain lines are compacted once there are this many times keepLines of them, so a cut
 * drops at least two thirds. Past COMPACT_AT_CHARS alone (64 K), lines longer than ~60 characters
 * (64 K over the ~1,050 lines kept) left nothing to cut, and all of such a flood was parsed at
 * the parser's ~14 ns a character: with 150-character lines, 0.7 of the server's 2.1 s of CPU
 * for 30 MB (in-process, a page acking 20 ms late), and the pty waited on it. */
const COMPACT_AT_KEEPS = 3;
/** Pending output waits for COMPACT_AT_KEEPS × keepLines lines only while that many lines, at
 * the length they have so far, stay under this many characters (lines up to ~160 characters):
 * what a terminal may hold unparsed. Output with few or no line feeds (a progress bar redrawn
 * with CR, colours) is compacted and parsed at compactAt, as before. */
const PENDING_MAX_CHARS = 512 * 1024;

/** Back to the normal buffer (1049), mouse reports off (1000 ends any protocol, 1006 the SGR
 * encoding), then a soft reset (DECSTR: pen, modes, scroll region, charsets, cursor shown). */
const REDRAW_RESET = '\x1b[?1049l\x1b[?1000l\x1b[?1006l\x1b[!p';

export class ScreenMirror implements Disposable {
  private readonly _term: InstanceType<typeof Terminal>;
  private readonly _serializer: InstanceType<typeof SerializeAddon>;
  private _backlog = 0;
  private _disposed = false;
  /** Output not handed to the parser yet, and its length. */
  private _pending: string[] = [];
  private _pendingChars = 0;
  /** Line feeds in the pending output, counted up to COMPACT_AT_KEEPS × keepLines. */
  private _pendingLines = 0;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  /** When the oldest and the newest pending output came (performance.now() ms). */
  private _firstPendingAt = 0;
  private _lastWriteAt = 0;
  /** Length of the run of printable ASCII that pending output ends with (a long line in the
   * making raises the compaction threshold, see scrollCuts.ts' COMPACT_AT_CHARS). */
  private _trailingRun = 0;
  private _dropped = 0;
  private _written = 0;

  constructor(cols: number, rows: number) {
    this._term = new Terminal({ cols, rows, scrollback: MIRROR_SCROLLBACK_LINES, allowProposedApi: true });
    this._serializer = new SerializeAddon();
    // The addon's typings name @xterm/xterm's Terminal; the headless one has the same API.
    this._term.loadAddon(this._serializer as never);
  }

  get cols(): number {
    return this._term.cols;
  }

  get rows(): number {
    return this._term.rows;
  }

  /** Characters written but not yet parsed (pending or in the parser's queue). */
  get backlog(): number {
    return this._backlog;
  }

  /** Characters handed to the parser and not parsed yet: the shell may outrun the parser, and
   * flow control pauses the pty when this grows. Pending output is not counted: compaction keeps
   * it below the compaction threshold (plus one write). */
  get parserBacklog(): number {
    return this._backlog - this._pendingChars;
  }

  /** Characters written and since parsed or dropped: the parser's state (its modes) is that of
   * the output up to here. */
  get settled(): number {
    return this._written - this._backlog;
  }

  /** Characters dropped unparsed because they would have scrolled out anyway. */
  get dropped(): number {
    return this._dropped;
  }

  /** Takes output; it is parsed within MIRROR_DELAY_MS. `parsed` (the latest one given) is called
   * each time the parser has caught up with a batch. */
  write(data: string, parsed?: () => void): void {
    if (this._disposed || !data) return;
    const now = performance.now();
    if (this._pendingChars === 0) this._firstPendingAt = now;
    this._lastWriteAt = now;
    this._backlog += data.length;
    this._written += data.length;
    this._pending.push(data);
    this._pendingChars += data.length;
    this._countLines(data);
    this._trailingRun = trailingRun(data, this._trailingRun);
    this._parsedCallback = parsed ?? this._parsedCallback;
    if (this._compactDue()) {
      const before = this._pendingChars;
      const dropped = this._compact();
      // Less than half dropped (colours on every line, few line feeds): the parser gets it now,
      // as it would have before.
      if (2 * dropped < before) return this._drain();
    }
    this._timer ??= setTimeout(() => this._onTimer(), MIRROR_DELAY_MS);
  }

  /** Pending output is worth compacting: past scrollCuts.ts' compactAt, and either it holds
   * enough lines for a cut to drop most of it (COMPACT_AT_KEEPS), or the run it ends with fills
   * keepLines rows alone (runCuts), or waiting for those lines would pass PENDING_MAX_CHARS. */
  private _compactDue(): boolean {
    const keep = this.keepLines;
    const cols = this._term.cols;
    if (this._pendingChars < compactAt(this._trailingRun, keep, cols)) return false;
    const enough = COMPACT_AT_KEEPS * keep;
    return this._pendingLines >= enough || this._trailingRun >= runKeepChars(keep, cols) || this._pendingChars * enough >= PENDING_MAX_CHARS * this._pendingLines;
  }

  /** Rows whose output a screen of this size with the clients' scrollback still shows: what
   * follows that many line feeds is gone (scrollCuts.ts). The session's queues cut by it too. */
  get keepLines(): number {
    return MIRROR_SCROLLBACK_LINES + this._term.rows + 1;
  }

  /** Parses once output has paused for MIRROR_DELAY_MS, or has run for MIRROR_MAX_DELAY_MS. */
  private _onTimer(): void {
    this._timer = undefined;
    const now = performance.now();
    const quietFor = now - this._lastWriteAt;
    if (quietFor < MIRROR_DELAY_MS && now - this._firstPendingAt < MIRROR_MAX_DELAY_MS) {
      this._timer = setTimeout(() => this._onTimer(), MIRROR_DELAY_MS - quietFor);
      return;
    }
    this._drain();
  }

  private _parsedCallback: (() => void) | undefined;

  /** Auto-wrap on and insert mode off, as far as the parser has got: a long line wraps plainly. */
  get plainWrap(): boolean {
    const modes = this._term.modes;
    return modes.wraparoundMode && !modes.insertMode;
  }

  /** Calls `fn` once everything written so far is parsed, before anything written later. */
  whenParsed(fn: () => void): void {
    if (this._disposed) return;
    this._drain();
    this._term.write('', fn);
  }

  /** Drops what would scroll out unparsed (runCuts, lineCuts): the pending output becomes the
   * compacted text before the run it ends with, then that run's pieces. Returns the characters
   * dropped. */
  private _compact(): number {
    if (this._pending.length === 0) return 0;
    // Long wrapped lines only where wrapping is plain (the parser's modes as of what it has
    // parsed: a mode change still queued is a race accepted here). The run the output ends with
    // stays in slices (compactChunks).
    const out = compactChunks(this._pending, this._trailingRun, this.keepLines, this._term.cols, this.plainWrap);
    this._dropped += out.dropped;
    this._backlog -= out.dropped;
    // What a cut took from the run is gone from the run the output ends with.
    this._trailingRun -= out.runCut;
    this._pending = [...out.prefix, ...out.run];
    this._pendingChars -= out.dropped;
    // The run holds no line feed.
    this._pendingLines = 0;
    for (const p of out.prefix) this._countLines(p);
    return out.dropped;
  }

  /** Adds the line feeds of pending `text` to _pendingLines, up to COMPACT_AT_KEEPS × keepLines. */
  private _countLines(text: string): void {
    const enough = COMPACT_AT_KEEPS * this.keepLines;
    if (this._pendingLines < enough) this._pendingLines += countLineFeeds(text, enough - this._pendingLines);
  }

  /** Hands the pending output to the parser. */
  private _drain(): void {
    clearTimeout(this._timer);
    this._timer = undefined;
    if (this._disposed || this._pendingChars === 0) return;
    this._compact();
    const chunks = this._pending;
    const parsed = this._parsedCallback;
    this._pending = [];
    this._pendingChars = 0;
    this._pendingLines = 0;
    // In slices, so xterm can yield between them (PARSE_SLICE_CHARS); a surrogate pair split
    // between two slices is joined again by xterm's decoder. Chunk by chunk: never joined.
    chunks.forEach((text, k) => {
      for (let at = 0; at < text.length; at += PARSE_SLICE_CHARS) {
        const slice = at === 0 && text.length <= PARSE_SLICE_CHARS ? text : text.slice(at, at + PARSE_SLICE_CHARS);
        const last = k === chunks.length - 1 && at + PARSE_SLICE_CHARS >= text.length;
        this._term.write(slice, () => {
          this._backlog -= slice.length;
          if (last) parsed?.();
        });
      }
    });
  }

  resize(cols: number, rows: number): void {
    if (this._disposed) return;
    this._drain();
    this._term.resize(cols, rows);
  }

  /** The screen as escape sequences that recreate it, shrunk until it fits one frame. */
  snapshot(): string {
    const limit = MAX_FRAME_BYTES - SNAPSHOT_HEADER_BYTES;
    for (let lines = MIRROR_SCROLLBACK_LINES; ; lines = Math.floor(lines / 4)) {
      const s = this._serializer.serialize({ scrollback: lines });
      if (Buffer.byteLength(s) <= limit) return s;
      // Without scrollback the screen alone must fit: cols*rows cells with styles, far below 1 MiB
      // for any sane size; if not, an empty snapshot is better than none at all.
      if (lines === 0) return '';
    }
  }

  /**
   * Escape sequences that turn a client's screen, showing earlier output of this shell, into this
   * screen while keeping the client's scrollback: what the client shows is scrolled into its
   * scrollback, its modes are reset (DECSTR, mouse off, normal buffer), then the screen is
   * written from the top with its modes, as a snapshot without scrollback would. What a Ctrl-C
   * skip ends with: a snapshot's scrollback cost 3 to 12 ms to serialize here and as long again
   * to parse in a page, on the path to the prompt. Undefined while the alternate screen is
   * active: a full snapshot then.
   */
  redraw(): string | undefined {
    if (this._term.buffer.active.type !== 'normal') return undefined;
    const rows = this._term.rows;
    return `${REDRAW_RESET}\x1b[${rows};1H${'\n'.repeat(rows)}\x1b[H${this._serializer.serialize({ scrollback: 0 })}`;
  }

  /** The visible screen as plain text lines (for tests and logs). */
  text(): string {
    if (this._disposed) return '';
    return screenText(this._term.buffer.active, this._term.rows);
  }

  /** The text left of the cursor on its row, as far as the parser has got (the prompt rule reads
   * it, server/common/prompt.ts). */
  cursorLine(): string {
    if (this._disposed) return '';
    return cursorLineText(this._term.buffer.active);
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    clearTimeout(this._timer);
    this._term.dispose();
  }
}
