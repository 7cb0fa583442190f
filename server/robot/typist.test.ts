import { describe, expect, it } from 'vitest';
import { toDisposable } from '../common/lifecycle.ts';
import { Typist, type TerminalPort } from './typist.ts';

/** A pretend shell: echoes each line, prints `respond(line)` after a delay, then a prompt. */
function fakeShell(respond: (line: string) => { out: string; prompt?: string; delayMs?: number } | undefined) {
  const listeners = new Set<(d: string) => void>();
  const emit = (d: string) => listeners.forEach((l) => l(d));
  const typed: string[] = [];
  const port: TerminalPort = {
    send(data) {
      const line = data.replace(/\r$/, '');
      typed.push(line);
      setTimeout(() => emit(`${line}\r\n`), 1);
      const r = respond(line);
      if (r) setTimeout(() => emit(`${r.out}${r.prompt ?? '\x1b[01;32mroot@node1\x1b[0m:~# '}`), r.delayMs ?? 5);
    },
    onOutput(l) {
      listeners.add(l);
      return toDisposable(() => void listeners.delete(l));
    },
  };
  return { port, typed, emit };
}

describe('Typist', () => {
  it('types a line and waits for the prompt after its output', async () => {
    const shell = fakeShell(() => ({ out: 'CONTAINER ID   IMAGE\r\n', delayMs: 300 }));
    const t = new Typist(shell.port, 80, 24);
    const start = Date.now();
    await t.typeLine('docker ps');
    expect(Date.now() - start).toBeGreaterThanOrEqual(300);
    expect(t.cursorLine()).toBe('root@node1:~# ');
    t.dispose();
  });

  it('follows continuation prompts and shells in containers', async () => {
    const shell = fakeShell((line) => (line.startsWith('cat <<') || line === 'hello' ? { out: '', prompt: '> ' } : line === 'docker run -it busybox sh' ? { out: '', prompt: '/ # ' } : { out: 'ok\r\n' }));
    const t = new Typist(shell.port, 80, 24);
    for (const line of ['cat <<EOF', 'hello', 'EOF', 'docker run -it busybox sh', 'exit']) await t.typeLine(line);
    expect(shell.typed).toEqual(['cat <<EOF', 'hello', 'EOF', 'docker run -it busybox sh', 'exit']);
    t.dispose();
  });

  it('does not mistake a command echo for a prompt', async () => {
    // The echo arrives in two pieces; the first ends like a prompt would.
    const listeners = new Set<(d: string) => void>();
    const emit = (d: string) => listeners.forEach((l) => l(d));
    const port: TerminalPort = {
      send: () => {
        setTimeout(() => emit('echo a # '), 1);
        setTimeout(() => emit('\r\na\r\nroot@node1:~# '), 400);
      },
      onOutput: (l) => (listeners.add(l), toDisposable(() => void listeners.delete(l))),
    };
    const t = new Typist(port, 80, 24);
    const start = Date.now();
    await t.typeLine('echo a # ');
    expect(Date.now() - start).toBeGreaterThanOrEqual(390);
    t.dispose();
  });

  it('times out naming the line and what the screen shows', async () => {
    const shell = fakeShell(() => ({ out: 'Password: ', prompt: '' }));
    const t = new Typist(shell.port, 80, 24);
    await expect(t.typeLine('docker login', 300)).rejects.toThrow(/`docker login`: no shell prompt within 0.3 s; the screen ends with "Password: "/);
    t.dispose();
  });

  it('fails at once when the terminal closes', async () => {
    const shell = fakeShell(() => undefined);
    const t = new Typist(shell.port, 80, 24);
    setTimeout(() => t.close('terminal closed (4410: sandbox removed)'), 50);
    await expect(t.typeLine('sleep 100', 5_000)).rejects.toThrow(/4410/);
    t.dispose();
  });

  it('refuses more than one line', async () => {
    const t = new Typist(fakeShell(() => undefined).port, 80, 24);
    await expect(t.typeLine('a\nb')).rejects.toThrow(TypeError);
    t.dispose();
  });
});
