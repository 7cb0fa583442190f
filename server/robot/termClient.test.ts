import { describe, expect, it } from 'vitest';
import { ACK_CHUNK_BYTES } from '../common/flowControl.ts';
import { decode, frames, isFrameError } from '../common/frames.ts';
import { Emitter } from '../common/lifecycle.ts';
import { PROMPT_QUIET_MS, TermClient, TermClosedError, TermTimeoutError, type TermTransport } from './termClient.ts';

const PROMPT = '\x1b[01;32mroot@node1\x1b[0m:~# ';

interface Reply {
  out: string;
  /** What follows the output; bash's coloured prompt by default. */
  prompt?: string;
  delayMs?: number;
}

/**
 * A pretend terminal server speaking real frames (server/common/frames.ts): answers our resize
 * with a snapshot showing a prompt, then, for each line typed, echoes it, prints
 * `respond(line)` after a delay, then a prompt.
 */
class FakeServer implements TermTransport {
  private readonly _onMessage = new Emitter<Uint8Array>();
  readonly onMessage = this._onMessage.event;
  private readonly _onClose = new Emitter<{ code: number; reason: string }>();
  readonly onClose = this._onClose.event;
  readonly opened = Promise.resolve();
  isOpen = true;
  /** Lines typed (Enter stripped), in order. */
  readonly typed: string[] = [];
  readonly resizes: { cols: number; rows: number }[] = [];
  acked = 0;
  private _line = '';

  constructor(
    private readonly _respond: (line: string) => Reply | undefined = () => ({ out: '' }),
    private readonly _firstScreen = PROMPT,
  ) {}

  send(data: Uint8Array | string): void {
    if (!this.isOpen) throw new Error('terminal socket is not open');
    if (typeof data === 'string') throw new Error('a text frame');
    const f = decode(data);
    if (isFrameError(f)) throw new Error(f.error);
    if (f.type === 'resize') {
      this.resizes.push({ cols: f.cols, rows: f.rows });
      if (this.resizes.length === 1) this.attached(f.cols, f.rows);
    } else if (f.type === 'ack') {
      this.acked += f.bytes;
    } else if (f.type === 'input') {
      this._line += new TextDecoder().decode(f.data);
      for (let i = this._line.indexOf('\r'); i >= 0; i = this._line.indexOf('\r')) {
        const line = this._line.slice(0, i);
        this._line = this._line.slice(i + 1);
        this.typed.push(line);
        this.shell(line);
      }
    }
  }

  /** The client said its size for the first time: the server sends the screen. */
  protected attached(cols: number, rows: number): void {
    setTimeout(() => this.emit(frames.snapshot(cols, rows, this._firstScreen)), 1);
  }

  /** What the shell does with a typed line. */
  protected shell(line: string): void {
    setTimeout(() => this.output(`${line}\r\n`), 1);
    const r = this._respond(line);
    if (r) setTimeout(() => this.output(`${r.out}${r.prompt ?? PROMPT}`), r.delayMs ?? 5);
  }

  /** Sends output as the shell wrote it. */
  output(text: string): void {
    this.emit(frames.output(text));
  }

  emit(frame: Uint8Array): void {
    if (this.isOpen) this._onMessage.fire(frame);
  }

  close(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this._onClose.fire({ code, reason });
  }
}

const open = (server: FakeServer) => TermClient.attach(server, { cols: 80, rows: 24 });

describe('TermClient', () => {
  it('says its size, takes the snapshot and waits for the first prompt', async () => {
    const server = new FakeServer(undefined, 'Welcome\r\n' + PROMPT);
    const t = await open(server);
    expect(server.resizes).toEqual([{ cols: 80, rows: 24 }]);
    expect(t.text().split('\n').slice(0, 2)).toEqual(['Welcome', 'root@node1:~# ']);
    expect(t.cursorLine()).toBe('root@node1:~# ');
    expect(t.atPrompt()).toBe(true);
    t.close();
  });

  it('types a line and waits for the prompt after its output', async () => {
    const server = new FakeServer(() => ({ out: 'CONTAINER ID   IMAGE\r\n', delayMs: 300 }));
    const t = await open(server);
    const start = Date.now();
    await t.typeLine('docker ps');
    expect(Date.now() - start).toBeGreaterThanOrEqual(300);
    expect(t.cursorLine()).toBe('root@node1:~# ');
    t.close();
  });

  it('waits until output has been quiet for PROMPT_QUIET_MS', async () => {
    // A prompt, then a late line from a background job, then the prompt again.
    const server = new FakeServer(() => ({ out: '', delayMs: 5 }));
    const t = await open(server);
    setTimeout(() => server.output('[1]+  Done    sleep 1\r\n' + PROMPT), 60);
    const start = Date.now();
    await t.typeLine('true');
    expect(Date.now() - start).toBeGreaterThanOrEqual(60 + PROMPT_QUIET_MS - 10);
    t.close();
  });

  it('follows continuation prompts and shells in containers', async () => {
    const server = new FakeServer((line) =>
      line.startsWith('cat <<') || line === 'hello' ? { out: '', prompt: '> ' } : line === 'docker run -it busybox sh' ? { out: '', prompt: '/ # ' } : { out: 'ok\r\n' },
    );
    const t = await open(server);
    for (const line of ['cat <<EOF', 'hello', 'EOF', 'docker run -it busybox sh', 'exit']) await t.typeLine(line);
    expect(server.typed).toEqual(['cat <<EOF', 'hello', 'EOF', 'docker run -it busybox sh', 'exit']);
    t.close();
  });

  it('run() returns the output between the echo and the prompt, at every kind of prompt', async () => {
    const server = new FakeServer((line) =>
      line === 'hostname' ? { out: 'node1\r\n' } : line === 'cat <<EOF' ? { out: '', prompt: '> ' } : line === 'sh' ? { out: '', prompt: '/ # ' } : { out: 'two\r\nlines\r\n', prompt: '/ # ' },
    );
    const t = await open(server);
    expect(await t.run('hostname')).toBe('node1');
    expect(await t.run('cat <<EOF')).toBe('');
    await t.typeLine('EOF');
    expect(await t.run('sh')).toBe('');
    expect(await t.run('printf "two\\nlines\\n"')).toBe('two\nlines');
    t.close();
  });

  it('does not mistake a command echo for a prompt', async () => {
    // The echo arrives in two pieces; the first ends like a prompt would.
    const server = new (class extends FakeServer {
      protected override shell(): void {
        setTimeout(() => this.output('echo a # '), 1);
        setTimeout(() => this.output('\r\na\r\nroot@node1:~# '), 400);
      }
    })();
    const t = await open(server);
    const start = Date.now();
    await t.typeLine('echo a # ');
    expect(Date.now() - start).toBeGreaterThanOrEqual(390);
    t.close();
  });

  it('times out naming the line and what the screen shows', async () => {
    const server = new FakeServer(() => ({ out: 'Password: ', prompt: '' }));
    const t = await open(server);
    const err = await t.typeLine('docker login', 300).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TermTimeoutError);
    expect((err as Error).message).toMatch(/^`docker login`: no shell prompt within 0\.3 s; the screen shows:\n/);
    expect((err as Error).message).toMatch(/\nroot@node1:~# docker login\nPassword: $/);
    expect((err as TermTimeoutError).screen).toContain('Password:');
    t.close();
  });

  it('fails at once when the terminal closes, naming the line', async () => {
    const server = new FakeServer(() => undefined);
    const t = await open(server);
    setTimeout(() => server.close(4410, 'sandbox removed'), 50);
    const start = Date.now();
    const err = await t.typeLine('sleep 100', 5_000).catch((e: unknown) => e);
    expect(Date.now() - start).toBeLessThan(1_000);
    expect(err).toBeInstanceOf(TermClosedError);
    expect(err).toMatchObject({ code: 4410, reason: 'sandbox removed', line: 'sleep 100' });
    expect((err as Error).message).toMatch(/4410: sandbox removed.*`sleep 100`/);
    expect((await t.closed).code).toBe(4410);
    expect(() => t.write('x')).toThrow(TermClosedError);
    t.close();
  });

  it('rejects attach with the close code when the server refuses', async () => {
    const server = new (class extends FakeServer {
      protected override attached(): void {
        this.close(4401, 'no session');
      }
    })();
    await expect(open(server)).rejects.toMatchObject({ code: 4401, reason: 'no session' });
  });

  it('rejects attach with the close code when the refusal arrives before our size is sent', async () => {
    // What a real server's refusal looks like from here: the socket opens, and its close is
    // already under way when the client would say its size.
    const server = new FakeServer();
    server.isOpen = false; // the close frame is in: the socket is CLOSING, sending would throw
    setTimeout(() => {
      server.isOpen = true; // (the fake fires onClose only from open)
      server.close(4401, 'WebSocket from a foreign origin refused');
    }, 5);
    await expect(open(server)).rejects.toMatchObject({ code: 4401, reason: 'WebSocket from a foreign origin refused' });
    expect(server.resizes).toEqual([]);
  });

  it('refuses more than one line', async () => {
    const t = await open(new FakeServer(() => undefined));
    await expect(t.typeLine('a\nb')).rejects.toThrow(TypeError);
    await expect(t.run('a\rb')).rejects.toThrow(TypeError);
    t.close();
  });

  it('acks rendered output in chunks and reports output and exit', async () => {
    const server = new FakeServer();
    const t = await open(server);
    const seen: string[] = [];
    t.onOutput((d) => seen.push(d));
    // Two whole ack chunks: the screen gets them in slices, and every byte is acked.
    const big = 'y'.repeat(2 * ACK_CHUNK_BYTES - 2) + '\r\n';
    server.output(big);
    server.emit(frames.exit(3));
    await expect.poll(() => server.acked).toBe(big.length);
    expect(seen.join('')).toBe(big);
    expect(t.exitCode).toBe(3);
    t.close();
  });

  it('writes a later snapshot at its own size, then returns to ours', async () => {
    const server = new FakeServer();
    const t = await open(server);
    server.emit(frames.snapshot(40, 10, 'after a skip\r\n' + PROMPT));
    await t.waitFor('after a skip', 1_000);
    await t.waitForPrompt(1_000);
    expect(t.text().split('\n')).toHaveLength(24);
    expect(t.text().split('\n')[0]).toBe('after a skip');
    t.resize(100, 30);
    expect(server.resizes.at(-1)).toEqual({ cols: 100, rows: 30 });
    expect(() => t.resize(0, 30)).toThrow(/cols/);
    t.close();
  });
});
