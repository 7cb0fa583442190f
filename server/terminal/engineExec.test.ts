import { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { engineExec } from './engineExec.ts';

/** An engine whose one exec is a duplex: what the shell gets is `written`, `shell.push` is output. */
function fakeEngine(opts: { fail?: string; exitCode?: number } = {}) {
  const written: string[] = [];
  const resizes: { h: number; w: number }[] = [];
  let running = true;
  const shell = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk.toString());
      cb();
    },
  });
  let created: Record<string, unknown> | undefined;
  let release: () => void = () => {};
  const started = new Promise<void>((r) => (release = r));
  const exec = {
    async start() {
      await started;
      return shell;
    },
    async resize(size: { h: number; w: number }) {
      resizes.push(size);
    },
    async inspect() {
      return { Running: running, ExitCode: running ? null : (opts.exitCode ?? 0) };
    },
  };
  const docker = {
    getContainer: () => ({
      async exec(o: Record<string, unknown>) {
        if (opts.fail) throw new Error(opts.fail);
        created = o;
        return exec;
      },
    }),
  } as unknown as Docker;
  return {
    docker,
    shell,
    written,
    resizes,
    created: () => created,
    start: () => release(),
    end: () => {
      running = false;
      shell.push(null);
    },
  };
}

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!ok()) throw new Error(`never: ${what}`);
};

const base = { container: 'c1', cmd: ['bash', '-l'], env: ['TERM=xterm-256color', 'SHIPLAB_TERM=m1'], workingDir: '/root', cols: 80, rows: 24 };

describe('engineExec', () => {
  it('opens a tty exec with the marker, keeps input typed before the engine answered, and applies the latest size', async () => {
    const e = fakeEngine();
    const p = engineExec({ docker: e.docker, ...base });
    p.write('ab');
    p.resize(100, 30);
    e.start();
    await until('input delivered', () => e.written.join('') === 'ab');
    expect(e.created()).toMatchObject({ Cmd: ['bash', '-l'], Tty: true, AttachStdin: true, Env: base.env, WorkingDir: '/root' });
    expect(e.resizes.at(-1)).toEqual({ h: 30, w: 100 });
    p.write('c');
    await until('later input', () => e.written.join('') === 'abc');
  });

  it('decodes output split inside a character and reports the exit code once the stream ends', async () => {
    const e = fakeEngine({ exitCode: 3 });
    const p = engineExec({ docker: e.docker, ...base });
    let out = '';
    const codes: number[] = [];
    p.onData((d) => (out += d));
    p.onExit((x) => codes.push(x.exitCode));
    e.start();
    const euro = Buffer.from('€ok');
    await until('started', () => e.created() !== undefined);
    await new Promise((r) => setTimeout(r, 10));
    e.shell.push(euro.subarray(0, 1));
    e.shell.push(euro.subarray(1));
    await until('output', () => out === '€ok');
    e.end();
    await until('exit', () => codes.length > 0);
    expect(codes).toEqual([3]);
  });

  it('a shell that cannot start says why and exits 1', async () => {
    const e = fakeEngine({ fail: 'No such container: c1' });
    const p = engineExec({ docker: e.docker, ...base });
    let out = '';
    const codes: number[] = [];
    p.onData((d) => (out += d));
    p.onExit((x) => codes.push(x.exitCode));
    await until('exit', () => codes.length > 0);
    expect(out).toContain('No such container: c1');
    expect(codes).toEqual([1]);
  });

  it('kill cuts the connection and exits without waiting for the engine', async () => {
    const e = fakeEngine();
    const p = engineExec({ docker: e.docker, ...base });
    const codes: number[] = [];
    p.onExit((x) => codes.push(x.exitCode));
    e.start();
    await until('started', () => e.created() !== undefined);
    await new Promise((r) => setTimeout(r, 10));
    p.kill('SIGHUP');
    await until('exit', () => codes.length > 0);
    expect(e.shell.destroyed).toBe(true);
    expect(codes).toHaveLength(1);
  });
});
