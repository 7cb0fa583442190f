/**
 * Single .deb files from the host's apt sources, kept in the build cache and unpacked with
 * dpkg-deb: a package's files without installing it (nginx's postinst would start a service).
 */
import fs from 'node:fs';
import path from 'node:path';
import { must, run } from '../host/run.ts';
import type { Logger } from '../core/log.ts';

/** apt-get update on a fresh machine takes ~10 s; a slow mirror gets more. */
const APT_TIMEOUT_MS = 5 * 60_000;

const aptEnv = () => ({ ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' });

/** The pool file name apt would download for a package's candidate version, or undefined if apt does not know it. */
async function candidateFile(pkg: string): Promise<string | undefined> {
  const r = await run('apt-cache', ['show', '--no-all-versions', pkg], { env: aptEnv() });
  if (r.code !== 0) return undefined;
  const m = /^Filename: (.+)$/m.exec(r.stdout);
  return m ? path.posix.basename(m[1]!.trim()) : undefined;
}

/**
 * Paths of the .deb files of pkgs in cacheDir, downloading those not there yet. Runs
 * `apt-get update` once if apt does not know a package (fresh machine, empty lists).
 */
export async function fetchDebs(pkgs: string[], cacheDir: string, log: Logger): Promise<string[]> {
  fs.mkdirSync(cacheDir, { recursive: true });
  let files = await Promise.all(pkgs.map(candidateFile));
  if (files.some((f) => !f)) {
    log.info('apt does not know some packages yet: apt-get update', { packages: pkgs.filter((_, i) => !files[i]).join(',') });
    await must('apt-get', ['update', '-q'], { env: aptEnv(), timeoutMs: APT_TIMEOUT_MS });
    files = await Promise.all(pkgs.map(candidateFile));
  }
  const unknown = pkgs.filter((_, i) => !files[i]);
  if (unknown.length) throw new Error(`apt knows no package ${unknown.join(', ')}; check /etc/apt/sources.list on this host`);
  const missing = pkgs.filter((_, i) => !fs.existsSync(path.join(cacheDir, files[i]!)));
  if (missing.length) {
    log.info('downloading packages', { packages: missing.join(',') });
    // Downloading as root into a root-owned directory: apt's _apt sandbox user could not write there.
    await must('apt-get', ['download', '-q', '-o', 'APT::Sandbox::User=root', ...missing], { cwd: cacheDir, env: aptEnv(), timeoutMs: APT_TIMEOUT_MS });
  }
  return files.map((f) => path.join(cacheDir, f!));
}

/** Unpacks the files of each .deb into dir (no maintainer scripts run). */
export async function extractDebs(debs: string[], dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (const deb of debs) await must('dpkg-deb', ['-x', deb, dir]);
}
