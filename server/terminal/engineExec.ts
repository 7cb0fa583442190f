/**
 * A node's login shell as an exec through the host engine's API (Tty, hijacked connection), in
 * place of a host pty running the `docker exec -it` CLI: the same shell, one process and one pty
 * fewer per keystroke. The CLI copies pty → CLI → engine and back; here the server talks to the
 * engine directly. Measured with bench/terminal.ts --node: an idle echo ~0.5 ms sooner at the
 * median than the CLI in a local pty, and a lower p99.
 *
 * It has the shape of node-pty's IPty that TerminalSession uses (ShellProcess), so the session
 * does not know which one it drives.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { Emitter, type Disposable } from '../common/lifecycle.ts';

/** What a TerminalSession needs from a running shell; node-pty's IPty has this shape. */
export interface ShellProcess {
  readonly pid: number;
  readonly onData: (listener: (data: string) => void) => Disposable;
  readonly onExit: (listener: (e: { exitCode: number }) => void) => Disposable;
  write(data: string | Buffer): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  kill(signal?: string): void;
}

export interface EngineExecOptions {
  docker: Docker;
  container: string;
  cmd: string[];
  env: string[];
  workingDir: string;
  cols: number;
  rows: number;
}

/** After the stream ends, how long to wait for the engine to record the exit code. */
const EXIT_CODE_WAIT_MS = 1_000;

/**
 * Starts `cmd` in `container` with a tty; output and input flow as soon as the engine has
 * answered (input written before that is kept and sent then). If the exec cannot start (the
 * container is gone), the engine's message is written as output and the shell exits with code 1,
 * as the CLI would.
 */
export function engineExec(opts: EngineExecOptions): ShellProcess {
  const onData = new Emitter<string>();
  const onExit = new Emitter<{ exitCode: number }>();
  const decoder = new StringDecoder('utf8');
  let stream: Duplex | undefined;
  let exec: Docker.Exec | undefined;
  let pending: (string | Buffer)[] = [];
  let size = { cols: opts.cols, rows: opts.rows };
  let paused = false;
  let exited = false;
  /** Ended from this side (kill) or never started: no exit code to wait for. */
  let cutOff = false;
  let failed = false;

  const exit = async () => {
    if (exited) return;
    exited = true;
    const rest = decoder.end();
    if (rest) onData.fire(rest);
    let exitCode = failed ? 1 : 0;
    try {
      const deadline = performance.now() + (cutOff ? 0 : EXIT_CODE_WAIT_MS);
      let info = exec && !cutOff ? await exec.inspect() : undefined;
      while (info?.Running && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        info = await exec!.inspect();
      }
      exitCode = info?.ExitCode ?? exitCode;
    } catch {
      // Swallow: the engine or the container is gone; the shell is too.
    }
    onExit.fire({ exitCode });
  };

  const resizeExec = () => {
    if (!exec || exited) return;
    exec.resize({ h: size.rows, w: size.cols }).catch(() => {
      // Swallow: the shell may have exited between the check and the call.
    });
  };

  void (async () => {
    try {
      exec = await opts.docker.getContainer(opts.container).exec({
        Cmd: opts.cmd,
        Env: opts.env,
        WorkingDir: opts.workingDir,
        Tty: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        User: 'root',
        // The size from the start (engine API 1.42+; an older engine ignores it and gets the
        // resize below).
        ConsoleSize: [size.rows, size.cols],
      } as Docker.ExecCreateOptions);
      const s = await exec.start({ hijack: true, stdin: true, Tty: true });
      if (exited) {
        s.destroy();
        return;
      }
      stream = s;
      // A TCP engine: no Nagle on the keystrokes (a unix socket has none anyway).
      (s as Duplex & { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
      s.on('data', (d: Buffer) => {
        const text = decoder.write(d);
        if (text) onData.fire(text);
      });
      s.once('end', () => void exit());
      s.once('close', () => void exit());
      s.on('error', () => void exit());
      if (paused) s.pause();
      resizeExec();
      for (const chunk of pending) s.write(chunk);
      pending = [];
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      onData.fire(`${message.replace(/\n/g, '\r\n')}\r\n`);
      failed = true;
      await exit();
    }
  })();

  return {
    pid: 0,
    onData: onData.event,
    onExit: onExit.event,
    write(data) {
      if (exited) return;
      if (stream) stream.write(data);
      else pending.push(data);
    },
    resize(cols, rows) {
      size = { cols, rows };
      resizeExec();
    },
    pause() {
      paused = true;
      stream?.pause();
    },
    resume() {
      paused = false;
      stream?.resume();
    },
    kill() {
      // The connection goes; what runs in the node is ended by its marker (NodeShell.endMarked),
      // as after the CLI's SIGHUP.
      cutOff = true;
      if (stream) stream.destroy();
      else void exit();
    },
  };
}
