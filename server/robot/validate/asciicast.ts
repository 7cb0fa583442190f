/**
 * An asciicast v2 recording (https://docs.asciinema.org/manual/asciicast/v2/): a JSON header
 * line {version, width, height, timestamp}, then one `[seconds, "o", data]` line per output
 * chunk. Kept in memory (a validation run prints a few hundred KiB at most) and written once.
 */
import fs from 'node:fs';
import path from 'node:path';

export class CastRecorder {
  /** The first output's time: the recording starts there, not while the sandbox starts. */
  private _start: number | undefined;
  private readonly _lines: string[];

  constructor(readonly width: number, readonly height: number, title?: string) {
    const header: Record<string, unknown> = { version: 2, width, height, timestamp: Math.floor(Date.now() / 1000) };
    if (title) header.title = title;
    this._lines = [JSON.stringify(header)];
  }

  /** Terminal output, as the terminal received it. */
  output(data: string): void {
    if (data === '') return;
    this._start ??= Date.now();
    this._lines.push(JSON.stringify([(Date.now() - this._start) / 1000, 'o', data]));
  }

  /** A dim banner line between parts of the run (which node, which step). */
  note(text: string): void {
    this.output(`\r\n\x1b[2m── ${text} ──\x1b[0m\r\n`);
  }

  toString(): string {
    return this._lines.join('\n') + '\n';
  }

  write(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, this.toString());
  }
}
