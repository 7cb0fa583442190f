/**
 * The visible screen of an xterm terminal as plain text. The browser's xterm, the server's
 * headless mirror and the Node test client all need it, and their buffers share this shape.
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
