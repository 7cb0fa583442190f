/**
 * Learners and their sessions: an unguessable token per learner (held only by the browser, in an
 * HttpOnly cookie), of which only a sha256 is stored, with each learner's current lesson and, per
 * step, the first pass, the attempts and the hints shown. Kept in the lab's database
 * (server/store/database.ts), one small statement per change; the learners are also held in
 * memory, since every request looks its learner up by token.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { CheckResult, Progress } from '../common/api.ts';
import type { Logger } from '../core/log.ts';
import type { Db } from '../store/database.ts';

/** 32 random bytes: 256 bits, not guessable; base64url makes 43 cookie-safe characters. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Learner ids are shown in logs and sandbox labels; 72 bits keep them unique, not secret. */
const LEARNER_ID_BYTES = 9;
/**
 * lastSeenAt is kept exact in memory (expiry reads it there) but written out at most this often
 * per learner, so every request does not write. After a restart a session may look up to this
 * much older than it is: small beside session TTLs counted in days.
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

/** One step of one learner, as the database keeps it (the console and the export read it). */
export interface StepRecord {
  learner: string;
  lesson: string;
  step: number;
  firstPassedAt?: number;
  attempts: number;
  lastStatus?: string;
  lastHint?: { id: string; text: string };
  lastAt?: number;
  /** Every hint this learner was shown on this step, with how often. */
  hints: { id: string; text: string; times: number }[];
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

interface LearnerRow {
  id: string;
  token_hash: string;
  created_at: number;
  last_seen_at: number;
  lesson: string | null;
}

export class SessionStore {
  private readonly _byId = new Map<string, LearnerRecord>();
  private readonly _byHash = new Map<string, LearnerRecord>();
  /** When each learner's lastSeenAt was last written out (or loaded). */
  private readonly _seenSaved = new Map<string, number>();
  private readonly _q;

  private constructor(
    private readonly _db: Db,
    private readonly _log?: Logger,
  ) {
    this._q = {
      insert: _db.prepare('INSERT INTO learners (id, token_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?)'),
      seen: _db.prepare('UPDATE learners SET last_seen_at = ? WHERE id = ?'),
      lesson: _db.prepare('UPDATE learners SET lesson = ? WHERE id = ?'),
      remove: _db.prepare('DELETE FROM learners WHERE id = ?'),
      attempt: _db.prepare(`
        INSERT INTO step_progress (learner, lesson, step, first_passed_at, attempts, last_status, last_hint_id, last_hint_text, last_at)
        VALUES (@learner, @lesson, @step, @passedAt, 1, @status, @hintId, @hintText, @at)
        ON CONFLICT (learner, lesson, step) DO UPDATE SET
          attempts = attempts + 1, last_status = @status, last_hint_id = @hintId, last_hint_text = @hintText, last_at = @at,
          first_passed_at = coalesce(first_passed_at, @passedAt)`),
      pass: _db.prepare(`
        INSERT INTO step_progress (learner, lesson, step, first_passed_at, attempts, last_status, last_at) VALUES (?, ?, ?, ?, 0, 'passed', ?)
        ON CONFLICT (learner, lesson, step) DO UPDATE SET first_passed_at = coalesce(first_passed_at, excluded.first_passed_at)`),
      hint: _db.prepare(`
        INSERT INTO hints_seen (learner, lesson, step, hint_id, hint_text, times, first_at) VALUES (?, ?, ?, ?, ?, 1, ?)
        ON CONFLICT (learner, lesson, step, hint_id) DO UPDATE SET times = times + 1, hint_text = excluded.hint_text`),
      steps: _db.prepare('SELECT * FROM step_progress WHERE learner = ?'),
      hints: _db.prepare('SELECT * FROM hints_seen WHERE learner = ?'),
    };
  }

  /**
   * The learners in `db`. A sessions.json from an older Shiplab beside it (`legacyFile`) is taken
   * in once, then renamed to sessions.json.imported.
   */
  static open(db: Db, log?: Logger, legacyFile?: string): SessionStore {
    const store = new SessionStore(db, log);
    if (legacyFile) store._importLegacy(legacyFile);
    for (const row of db.prepare('SELECT * FROM learners').all() as LearnerRow[]) {
      const rec: LearnerRecord = { id: row.id, tokenHash: row.token_hash, createdAt: row.created_at, lastSeenAt: row.last_seen_at, lesson: row.lesson ?? undefined, progress: {} };
      store._byId.set(rec.id, rec);
      store._byHash.set(rec.tokenHash, rec);
      store._seenSaved.set(rec.id, rec.lastSeenAt);
    }
    for (const row of db.prepare('SELECT learner, lesson, step FROM step_progress WHERE first_passed_at IS NOT NULL ORDER BY step').all() as { learner: string; lesson: string; step: number }[]) {
      const rec = store._byId.get(row.learner);
      if (rec) (rec.progress[row.lesson] ??= []).push(row.step);
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
    this._q.insert.run(learner.id, learner.tokenHash, now, now);
    this._byId.set(learner.id, learner);
    this._byHash.set(learner.tokenHash, learner);
    this._seenSaved.set(learner.id, now);
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
      this._write(() => this._q.seen.run(now, rec.id));
    }
    return rec;
  }

  /** How many learners there are. */
  get size(): number {
    return this._byId.size;
  }

  /**
   * Removes the learners last seen before `unseenSince` (epoch ms) and returns them. `keep` names
   * learners whose records must stay whatever their age (workshop attendees: results are kept).
   */
  expire(unseenSince: number, keep: (id: string) => boolean = () => false): LearnerRecord[] {
    const gone = this.all().filter((r) => r.lastSeenAt < unseenSince && !keep(r.id));
    if (!gone.length) return gone;
    this._write(() => this._db.transaction(() => {
      for (const r of gone) this._q.remove.run(r.id);
    })());
    for (const r of gone) {
      this._byId.delete(r.id);
      this._byHash.delete(r.tokenHash);
      this._seenSaved.delete(r.id);
    }
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
    this._write(() => this._q.lesson.run(lesson, id));
  }

  /**
   * Records one check of a step: an attempt, its status and the hint it showed; a pass sets the
   * step's first pass once.
   * @returns true when this result passes the step for the first time.
   */
  recordCheck(id: string, lesson: string, step: number, result: CheckResult, at = Date.now()): boolean {
    const rec = this._byId.get(id);
    if (!rec) return false;
    const first = result.passed && this._addPassed(rec, lesson, step);
    this._write(() => this._db.transaction(() => {
      this._q.attempt.run({ learner: id, lesson, step, passedAt: result.passed ? at : null, status: result.status, hintId: result.hint?.id ?? null, hintText: result.hint?.text ?? null, at });
      if (result.hint) this._q.hint.run(id, lesson, step, result.hint.id, result.hint.text, at);
    })());
    return first;
  }

  /** Records a passed step without an attempt (a jump, an import); true when it was not passed before. */
  markPassed(id: string, lesson: string, step: number, at = Date.now()): boolean {
    const rec = this._byId.get(id);
    if (!rec || !this._addPassed(rec, lesson, step)) return false;
    this._write(() => this._q.pass.run(id, lesson, step, at, at));
    return true;
  }

  /** Every step record of `id`, with the hints shown there. */
  steps(id: string): StepRecord[] {
    const hints = this._q.hints.all(id) as { lesson: string; step: number; hint_id: string; hint_text: string; times: number }[];
    return (this._q.steps.all(id) as {
      lesson: string; step: number; first_passed_at: number | null; attempts: number; last_status: string | null;
      last_hint_id: string | null; last_hint_text: string | null; last_at: number | null;
    }[]).map((r) => ({
      learner: id,
      lesson: r.lesson,
      step: r.step,
      firstPassedAt: r.first_passed_at ?? undefined,
      attempts: r.attempts,
      lastStatus: r.last_status ?? undefined,
      lastHint: r.last_hint_id ? { id: r.last_hint_id, text: r.last_hint_text ?? '' } : undefined,
      lastAt: r.last_at ?? undefined,
      hints: hints.filter((h) => h.lesson === r.lesson && h.step === r.step).map((h) => ({ id: h.hint_id, text: h.hint_text, times: h.times })),
    }));
  }

  /** Everything is written as it changes; kept so callers can wait for the store the same way. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  private _addPassed(rec: LearnerRecord, lesson: string, step: number): boolean {
    const steps = (rec.progress[lesson] ??= []);
    if (steps.includes(step)) return false;
    steps.push(step);
    steps.sort((a, b) => a - b);
    return true;
  }

  /** A write that fails (disk full, file gone) is logged; the learner goes on with what memory holds. */
  private _write(run: () => unknown): void {
    try {
      run();
    } catch (err) {
      this._log?.error('cannot write to the database; this change is kept in memory only', { error: String(err) });
    }
  }

  private _importLegacy(file: string): void {
    let raw: string;
    try {
      raw = fs.readFileSync(file, 'utf8');
    } catch {
      return;
    }
    try {
      const data = JSON.parse(raw) as { version?: number; learners?: unknown };
      if (!Array.isArray(data.learners)) throw new Error('no learners array');
      const now = Date.now();
      this._db.transaction(() => {
        for (const l of data.learners as Partial<LearnerRecord>[]) {
          if (typeof l.id !== 'string' || typeof l.tokenHash !== 'string') continue;
          this._db.prepare('INSERT OR IGNORE INTO learners (id, token_hash, created_at, last_seen_at, lesson) VALUES (?, ?, ?, ?, ?)')
            .run(l.id, l.tokenHash, typeof l.createdAt === 'number' ? l.createdAt : now, typeof l.lastSeenAt === 'number' ? l.lastSeenAt : now, typeof l.lesson === 'string' ? l.lesson : null);
          for (const [lesson, steps] of Object.entries(l.progress ?? {})) {
            for (const step of Array.isArray(steps) ? steps : []) {
              if (Number.isInteger(step)) this._q.pass.run(l.id, lesson, step, now, now);
            }
          }
        }
      })();
      fs.renameSync(file, `${file}.imported`);
      this._log?.info('took in the sessions of an older Shiplab', { file });
    } catch (err) {
      this._log?.error('an older sessions file could not be read; left where it is', { file, error: String(err) });
    }
  }
}
