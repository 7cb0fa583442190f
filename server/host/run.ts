import { spawn } from 'node:child_process';
import fs from 'node:fs';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the command after this long; the result then has code 124 like timeout(1). */
  timeoutMs?: number;
  /** Called with each chunk of stdout+stderr, for progress displays. */
  onOutput?: (chunk: string) => void;
}

/** Runs a host command and collects its output; never throws for a non-zero exit. */
export function run(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      opts.onOutput?.(d.toString());
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onOutput?.(d.toString());
    });
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`cannot run ${file}: ${err.message}`));
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code: timedOut ? 124 : (code ?? 1), stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs a command that must succeed; the error names the command and its stderr. */
export async function must(file: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(file, args, opts);
  if (r.code !== 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n');
    throw new Error(`${file} ${args.join(' ')} failed with exit code ${r.code}:\n${tail}`);
  }
  return r.stdout;
}

export async function which(cmd: string): Promise<string | undefined> {
  const r = await run('sh', ['-c', `command -v ${cmd}`]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** True while a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid a pid file holds, if it holds one. */
export function readPid(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
