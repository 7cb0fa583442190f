/**
 * Learners and their sessions: an unguessable token per learner (held only by the browser, in an
 * HttpOnly cookie), of which only a sha256 is stored, with each learner's progress and current
 * lesson. Persisted in <dataDir>/sessions.json, written atomically (temp file + rename) so a crash
 * never leaves half a file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Progress } from '../common/api.ts';
import type { Logger } from '../core/log.ts';

/** 32 random bytes: 256 bits, not guessable; base64url makes 43 cookie-safe characters. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Learner ids are shown in logs and sandbox labels; 72 bits keep them unique, not secret. */
const LEARNER_ID_BYTES = 9;
const FILE_VERSION = 1;
/**
 * lastSeenAt is kept exact in memory (expiry reads it there) but written to disk at most this
 * often per learner, so every request does not rewrite the file. After a restart a session may
 * look up to this much older than it is: small beside session TTLs counted in days.
 */
export const SEEN_SAVE_MS = 60 * 60_000;

export interface LearnerRecord {
  id: string;
  /** sha256 of the session token, hex. */
  tokenHash: string;
  createdAt: number;
  lastSeenAt: number;
  lesson?: string;
  progress: Progress;
}

interface StoreFile {
  version: number;
  learners: LearnerRecord[];
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export class SessionStore {
  private readonly _byId = new Map<string, LearnerRecord>();
  private readonly _byHash = new Map<string, LearnerRecord>();
  /** When each learner's lastSeenAt was last written out (or loaded). */
  private readonly _seenSaved = new Map<string, number>();
  private _writing: Promise<void> = Promise.resolve();
  private _dirty = false;

  private constructor(
    readonly file: string,
    private readonly _log?: Logger,
  ) {}

  /** Loads the store (an absent file is an empty store). A corrupt file is moved aside, not
   * silently overwritten, and the store starts empty: learners start over, the server runs. */
  static open(file: string, log?: Logger): SessionStore {
    const store = new SessionStore(file, log);
    let raw: string | undefined;
    try {
      raw = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (raw !== undefined) {
      try {
        const data = JSON.parse(raw) as StoreFile;
        if (data.version !== FILE_VERSION || !Array.isArray(data.learners)) throw new Error(`unknown version ${data.version}`);
        for (const l of data.learners) {
          if (typeof l.id !== 'string' || typeof l.tokenHash !== 'string') continue;
          // A record without lastSeenAt (hand-edited) counts as seen now, so it expires in time.
          const rec: LearnerRecord = { ...l, lastSeenAt: typeof l.lastSeenAt === 'number' ? l.lastSeenAt : Date.now(), progress: l.progress ?? {} };
          store._byId.set(rec.id, rec);
          store._byHash.set(rec.tokenHash, rec);
          store._seenSaved.set(rec.id, rec.lastSeenAt);
        }
      } catch (err) {
        const aside = `${file}.corrupt-${Date.now()}`;
        fs.renameSync(file, aside);
        log?.error('session store was unreadable; moved aside, starting empty', { file, aside, error: String(err) });
      }
    }
    return store;
  }

  /** A new learner with a fresh token. The token is returned once and never stored. */
  create(): { token: string; learner: LearnerRecord } {
    const token = crypto.randomBytes(TOKEN_BYTES).toString('base64url');
    const now = Date.now();
    const learner: LearnerRecord = {
      id: crypto.randomBytes(LEARNER_ID_BYTES).toString('base64url'),
      tokenHash: hashToken(token),
      createdAt: now,
      lastSeenAt: now,
      progress: {},
    };
    this._byId.set(learner.id, learner);
    this._byHash.set(learner.tokenHash, learner);
    this._seenSaved.set(learner.id, now);
    this._save();
    return { token, learner };
  }

  /** The learner holding `token`, or undefined for a malformed or unknown token. */
  byToken(token: string | undefined): LearnerRecord | undefined {
    if (!token || !TOKEN_PATTERN.test(token)) return undefined;
    const rec = this._byHash.get(hashToken(token));
    if (!rec) return undefined;
    const now = Date.now();
    rec.lastSeenAt = now;
    if (now - (this._seenSaved.get(rec.id) ?? 0) >= SEEN_SAVE_MS) {
      this._seenSaved.set(rec.id, now);
      this._save();
    }
    return rec;
  }

  /** How many learners there are. */
  get size(): number {
    return this._byId.size;
  }

  /** Removes the learners last seen before `unseenSince` (epoch ms) and returns them. */
  expire(unseenSince: number): LearnerRecord[] {
    const gone = this.all().filter((r) => r.lastSeenAt < unseenSince);
    for (const r of gone) {
      this._byId.delete(r.id);
      this._byHash.delete(r.tokenHash);
      this._seenSaved.delete(r.id);
    }
    if (gone.length) this._save();
    return gone;
  }

  get(id: string): LearnerRecord | undefined {
    return this._byId.get(id);
  }

  all(): LearnerRecord[] {
    return [...this._byId.values()];
  }

  setLesson(id: string, lesson: string): void {
    const rec = this._byId.get(id);
    if (!rec || rec.lesson === lesson) return;
    rec.lesson = lesson;
    this._save();
  }

  /** Records a passed step; true when it was not passed before. */
  markPassed(id: string, lesson: string, step: number): boolean {
    const rec = this._byId.get(id);
    if (!rec) return false;
    const steps = (rec.progress[lesson] ??= []);
    if (steps.includes(step)) return false;
    steps.push(step);
    steps.sort((a, b) => a - b);
    this._save();
    return true;
  }

  /** Resolves once everything changed so far is on disk. */
  flush(): Promise<void> {
    return this._writing;
  }

  private _save(): void {
    if (this._dirty) return;
    this._dirty = true;
    // Writes are chained: one at a time, each with the latest state, coalescing bursts.
    this._writing = this._writing.then(async () => {
      this._dirty = false;
      const data: StoreFile = { version: FILE_VERSION, learners: this.all() };
      const tmp = `${this.file}.${process.pid}.tmp`;
      try {
        await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
        await fs.promises.writeFile(tmp, JSON.stringify(data, null, 1), { mode: 0o600 });
        await fs.promises.rename(tmp, this.file);
      } catch (err) {
        this._log?.error('cannot write the session store; progress is kept in memory only', { file: this.file, error: String(err) });
      }
    });
  }
}
