/**
 * The visible screen of an xterm terminal as plain text, and the text left of its cursor. The
 * browser's xterm, the server's headless mirror and the Node test client all need them, and their
 * buffers share this shape.
 */

/** The part of xterm's IBuffer (browser and headless builds alike) that reading text needs. */
export interface ScreenBuffer {
  readonly viewportY: number;
  getLine(y: number): { translateToString(trimRight?: boolean): string } | undefined;
}

/** One line per row of the viewport, trailing spaces trimmed. */
export function screenText(buffer: ScreenBuffer, rows: number): string {
  const lines: string[] = [];
  for (let y = 0; y < rows; y++) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
  return lines.join('\n');
}

/** The part of xterm's IBuffer that reading the cursor's row needs. */
export interface CursorBuffer {
  readonly baseY: number;
  readonly cursorY: number;
  readonly cursorX: number;
  getLine(y: number): { translateToString(trimRight?: boolean, startColumn?: number, endColumn?: number): string } | undefined;
}

/** The text left of the cursor on its row (after a prompt: the prompt, e.g. `root@node1:~# `),
 * trailing spaces kept: the prompt rule (prompt.ts) needs the space after `#`. */
export function cursorLineText(buffer: CursorBuffer): string {
  return buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(false, 0, buffer.cursorX) ?? '';
}
