/**
 * A minbase Debian tree from deb.debian.org, with the downloaded .debs kept in a cache so a
 * rebuild downloads nothing. Runs are serialized: two at once would race on the cache and
 * share two cores badly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../core/config.ts';
import { run } from '../host/run.ts';

export const SUITE = 'bookworm';

/** Where packages come from; SHIPLAB_DEBIAN_MIRROR overrides it (a local apt cache, say). */
export function debianMirror(): string {
  return config().debianMirror;
}

/** A cold minbase run takes ~35 s, with docker.io ~95 s; a slow mirror gets ten times that. */
const DEBOOTSTRAP_TIMEOUT_MS = 15 * 60_000;

/** debootstrap's stages, in order, with the share of the run each ends at (percent). */
const STAGES: { match: RegExp; phase: string; upTo: number }[] = [
  { match: /^I: (Retrieving (InRelease|Release|Packages)|Checking Release|Valid Release|Validating Packages|Resolving|Found )/, phase: 'resolving packages', upTo: 8 },
  { match: /^I: (Retrieving|Validating) \S+ \S+/, phase: 'downloading packages', upTo: 35 },
  { match: /^I: (Chosen extractor|Extracting)/, phase: 'extracting packages', upTo: 45 },
  { match: /^I: (Installing core|Unpacking required|Configuring required|Unpacking \S+\.\.\.$|Configuring \S+\.\.\.$)/, phase: 'installing required packages', upTo: 60 },
  { match: /^I: Unpacking the base system/, phase: 'unpacking the base system', upTo: 78 },
  { match: /^I: Configuring (the base system|\S+\.\.\.$)/, phase: 'configuring packages', upTo: 96 },
  { match: /^I: Base system installed/, phase: 'base system installed', upTo: 100 },
];

export interface DebootstrapProgress {
  phase: string;
  percent: number;
}

/**
 * Follows debootstrap's "I: …" lines. Stages only move forward; within a stage the percent
 * creeps toward the stage's end with each line (debootstrap never says how many are left).
 */
export class DebootstrapTracker {
  private _stage = -1;
  private _lines = 0;
  private _partial = '';

  /** Feeds output; returns the new progress when it moved (new stage or a higher percent), else undefined. */
  feed(chunk: string): DebootstrapProgress | undefined {
    const text = this._partial + chunk;
    const lines = text.split('\n');
    this._partial = lines.pop() ?? '';
    let moved: DebootstrapProgress | undefined;
    for (const line of lines) {
      const p = this.line(line.trim());
      if (p) moved = p;
    }
    return moved;
  }

  get progress(): DebootstrapProgress {
    if (this._stage < 0) return { phase: 'starting debootstrap', percent: 0 };
    const s = STAGES[this._stage]!;
    if (this._stage === STAGES.length - 1) return { phase: s.phase, percent: s.upTo };
    const from = this._stage === 0 ? 0 : STAGES[this._stage - 1]!.upTo;
    // Each line covers a twentieth of what is left of the stage: always moving, never past its end.
    const within = 1 - Math.pow(0.95, this._lines);
    return { phase: s.phase, percent: Math.round(from + (s.upTo - from) * within) };
  }

  private line(l: string): DebootstrapProgress | undefined {
    if (!l.startsWith('I: ')) return undefined;
    // "Configuring X..." lines appear in both the required and the base stage: search from the current one.
    const at = STAGES.findIndex((s, i) => i >= Math.max(this._stage, 0) && s.match.test(l));
    if (at < 0) return undefined;
    if (at > this._stage) {
      this._stage = at;
      this._lines = 0;
      return this.progress;
    }
    const before = this.progress.percent;
    this._lines++;
    return this.progress.percent !== before ? this.progress : undefined;
  }
}

let queue: Promise<unknown> = Promise.resolve();

export interface DebootstrapOptions {
  target: string;
  include: string[];
  /** Directory for the .deb cache (debootstrap --cache-dir). */
  cacheDir: string;
  onProgress(p: DebootstrapProgress): void;
}

/** Runs debootstrap --variant=minbase into target (which must not exist or be empty). */
export function debootstrap(opts: DebootstrapOptions): Promise<void> {
  const next = queue.then(() => runOnce(opts));
  queue = next.catch(() => undefined);
  return next;
}

async function runOnce(opts: DebootstrapOptions): Promise<void> {
  fs.mkdirSync(opts.cacheDir, { recursive: true });
  fs.mkdirSync(opts.target, { recursive: true });
  const tracker = new DebootstrapTracker();
  opts.onProgress(tracker.progress);
  const args = [
    '--variant=minbase',
    `--cache-dir=${path.resolve(opts.cacheDir)}`,
    ...(opts.include.length ? [`--include=${opts.include.join(',')}`] : []),
    SUITE,
    opts.target,
    debianMirror(),
  ];
  const r = await run('debootstrap', args, {
    timeoutMs: DEBOOTSTRAP_TIMEOUT_MS,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
    onOutput: (chunk) => {
      const p = tracker.feed(chunk);
      if (p) opts.onProgress(p);
    },
  });
  if (r.code !== 0) {
    const logFile = path.join(opts.target, 'debootstrap', 'debootstrap.log');
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : r.stdout + r.stderr;
    const tail = log.trim().split('\n').slice(-12).join('\n');
    const why = r.code === 124 ? `timed out after ${DEBOOTSTRAP_TIMEOUT_MS / 60_000} min` : `failed with exit code ${r.code}`;
    throw new Error(`debootstrap of ${SUITE} from ${debianMirror()} ${why}; check that the mirror is reachable (SHIPLAB_DEBIAN_MIRROR overrides it). Its log ends with:\n${tail}`);
  }
}
