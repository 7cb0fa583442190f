/**
 * A server-side headless terminal fed with everything the shell writes, so a browser that
 * reconnects gets a snapshot frame that restores the screen (and recent scrollback).
 */
import headless from '@xterm/headless';
import serializePkg from '@xterm/addon-serialize';
import type { Disposable } from '../common/lifecycle.ts';
import { MAX_FRAME_BYTES } from '../common/frames.ts';
import { cursorLineText, screenText } from '../common/screenText.ts';

const { Terminal } = headless;
const { SerializeAddon } = serializePkg;

/** Lines of scrollback kept and replayed: enough to see the last command's output after a
 * reload; 1000 lines of 80 columns with colours stays far under MAX_FRAME_BYTES. */
export const MIRROR_SCROLLBACK_LINES = 1000;

/** Bytes reserved in a snapshot frame for its header (opcode + cols + rows). */
const SNAPSHOT_HEADER_BYTES = 5;

export class ScreenMirror implements Disposable {
  private readonly _term: InstanceType<typeof Terminal>;
  private readonly _serializer: InstanceType<typeof SerializeAddon>;
  private _backlog = 0;
  private _disposed = false;

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

  /** Characters written but not yet parsed (the shell may outrun the parser; flow control
   * pauses the pty when this grows). */
  get backlog(): number {
    return this._backlog;
  }

  write(data: string, parsed?: () => void): void {
    if (this._disposed) return;
    this._backlog += data.length;
    this._term.write(data, () => {
      this._backlog -= data.length;
      parsed?.();
    });
  }

  /** Calls `fn` once everything written so far is parsed, before anything written later. */
  whenParsed(fn: () => void): void {
    if (this._disposed) return;
    this._term.write('', fn);
  }

  resize(cols: number, rows: number): void {
    if (this._disposed) return;
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
    this._term.dispose();
  }
}
