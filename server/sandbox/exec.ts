/** Runs a command in a container through the Engine API, collecting stdout and stderr. */
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecResult } from './types.ts';

/** Default bound on a server-side exec; checks and cleanups must never hang the server. */
export const EXEC_TIMEOUT_MS = 30_000;

export async function execIn(
  docker: Docker,
  container: string,
  cmd: string[],
  opts: { timeoutMs?: number; stdin?: string; env?: string[] } = {},
): Promise<ExecResult> {
  const exec = await docker.getContainer(container).exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: opts.stdin !== undefined,
    Env: opts.env,
    User: 'root',
  });
  const stream = await exec.start({ hijack: true, stdin: opts.stdin !== undefined });
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  docker.modem.demuxStream(stream, out, err);
  if (opts.stdin !== undefined) {
    stream.write(opts.stdin);
    // Half-close so the command sees EOF on stdin while we keep reading its output.
    (stream as unknown as { end(): void }).end();
  }
  const timeoutMs = opts.timeoutMs ?? EXEC_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`\`${cmd.join(' ')}\` in ${container} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    stream.on('end', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  // The stream can end a moment before the engine records the exit code.
  let info = await exec.inspect();
  for (let i = 0; i < 100 && info.Running; i++) {
    await new Promise((r) => setTimeout(r, 10));
    info = await exec.inspect();
  }
  return { exitCode: info.ExitCode ?? -1, stdout, stderr };
}
