/**
 * Workshops, their attendees, broadcasts and the admin log in the lab's database
 * (server/store/database.ts): one statement per change, read back after a restart.
 */
import type { Broadcast, WorkshopInput } from '../common/api.ts';
import type { Db } from '../store/database.ts';

export interface WorkshopRecord extends Required<WorkshopInput> {
  id: string;
  code: string;
  createdAt: number;
  endedAt?: number;
}

export interface AttendeeRecord {
  learner: string;
  workshop: string;
  name: string;
  joinedAt: number;
  endsAt: number;
  /** The sandbox handed to the attendee from the warm pool (its label still names the pool). */
  sandbox?: string;
}

interface WorkshopRow {
  id: string; code: string; title: string; lessons: string; capacity: number; opens_at: number; closes_at: number;
  session_minutes: number; pool_share: number; created_at: number; ended_at: number | null;
}
interface AttendeeRow { learner: string; workshop: string; name: string; joined_at: number; ends_at: number; sandbox: string | null }

const toWorkshop = (r: WorkshopRow): WorkshopRecord => ({
  id: r.id, code: r.code, title: r.title, lessons: JSON.parse(r.lessons) as string[], capacity: r.capacity,
  opensAt: r.opens_at, closesAt: r.closes_at, sessionMinutes: r.session_minutes, poolShare: r.pool_share,
  createdAt: r.created_at, ...(r.ended_at !== null && { endedAt: r.ended_at }),
});
const toAttendee = (r: AttendeeRow): AttendeeRecord => ({
  learner: r.learner, workshop: r.workshop, name: r.name, joinedAt: r.joined_at, endsAt: r.ends_at, ...(r.sandbox !== null && { sandbox: r.sandbox }),
});

/** Two names are the same attendee name when they differ only in case and spacing. */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export class WorkshopStore {
  private readonly _q;

  constructor(private readonly _db: Db) {
    this._q = {
      insert: _db.prepare(`INSERT INTO workshops (id, code, title, lessons, capacity, opens_at, closes_at, session_minutes, pool_share, created_at)
        VALUES (@id, @code, @title, @lessons, @capacity, @opensAt, @closesAt, @sessionMinutes, @poolShare, @createdAt)`),
      all: _db.prepare('SELECT * FROM workshops ORDER BY created_at DESC'),
      byId: _db.prepare('SELECT * FROM workshops WHERE id = ?'),
      byCode: _db.prepare('SELECT * FROM workshops WHERE code = ?'),
      end: _db.prepare('UPDATE workshops SET ended_at = ? WHERE id = ? AND ended_at IS NULL'),
      join: _db.prepare('INSERT INTO attendees (learner, workshop, name, name_key, joined_at, ends_at) VALUES (?, ?, ?, ?, ?, ?)'),
      attendee: _db.prepare('SELECT * FROM attendees WHERE learner = ?'),
      attendees: _db.prepare('SELECT * FROM attendees WHERE workshop = ? ORDER BY joined_at, learner'),
      allAttendees: _db.prepare('SELECT * FROM attendees'),
      count: _db.prepare('SELECT count(*) AS n FROM attendees WHERE workshop = ?'),
      nameTaken: _db.prepare('SELECT 1 FROM attendees WHERE workshop = ? AND name_key = ?'),
      endsAt: _db.prepare('UPDATE attendees SET ends_at = ? WHERE learner = ?'),
      sandbox: _db.prepare('UPDATE attendees SET sandbox = ? WHERE learner = ?'),
      broadcast: _db.prepare('INSERT INTO broadcasts (workshop, text, at) VALUES (?, ?, ?)'),
      broadcasts: _db.prepare('SELECT id, text, at FROM broadcasts WHERE workshop = ? ORDER BY id'),
      log: _db.prepare('INSERT INTO admin_log (at, action, workshop, attendee, detail, client) VALUES (?, ?, ?, ?, ?, ?)'),
      setting: _db.prepare('SELECT value FROM settings WHERE key = ?'),
      setSetting: _db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      pruneSettings: _db.prepare("DELETE FROM settings WHERE key LIKE ? ESCAPE '\\' AND CAST(value AS INTEGER) <= ?"),
    };
  }

  create(w: WorkshopRecord): void {
    this._q.insert.run({ ...w, lessons: JSON.stringify(w.lessons) });
  }

  all(): WorkshopRecord[] {
    return (this._q.all.all() as WorkshopRow[]).map(toWorkshop);
  }

  get(id: string): WorkshopRecord | undefined {
    const r = this._q.byId.get(id) as WorkshopRow | undefined;
    return r && toWorkshop(r);
  }

  byCode(code: string): WorkshopRecord | undefined {
    const r = this._q.byCode.get(code) as WorkshopRow | undefined;
    return r && toWorkshop(r);
  }

  end(id: string, at: number): boolean {
    return this._q.end.run(at, id).changes > 0;
  }

  /**
   * Adds the attendee unless the workshop is full or the name is taken, in one transaction (two
   * attendees joining at once cannot both take the last place).
   */
  join(a: AttendeeRecord, capacity: number): 'ok' | 'full' | 'name-taken' {
    return this._db.transaction((): 'ok' | 'full' | 'name-taken' => {
      if ((this._q.count.get(a.workshop) as { n: number }).n >= capacity) return 'full';
      if (this._q.nameTaken.get(a.workshop, nameKey(a.name))) return 'name-taken';
      this._q.join.run(a.learner, a.workshop, a.name, nameKey(a.name), a.joinedAt, a.endsAt);
      return 'ok';
    })();
  }

  attendee(learner: string): AttendeeRecord | undefined {
    const r = this._q.attendee.get(learner) as AttendeeRow | undefined;
    return r && toAttendee(r);
  }

  attendees(workshop: string): AttendeeRecord[] {
    return (this._q.attendees.all(workshop) as AttendeeRow[]).map(toAttendee);
  }

  allAttendees(): AttendeeRecord[] {
    return (this._q.allAttendees.all() as AttendeeRow[]).map(toAttendee);
  }

  count(workshop: string): number {
    return (this._q.count.get(workshop) as { n: number }).n;
  }

  setEndsAt(learner: string, endsAt: number): void {
    this._q.endsAt.run(endsAt, learner);
  }

  setSandbox(learner: string, sandbox: string | undefined): void {
    this._q.sandbox.run(sandbox ?? null, learner);
  }

  addBroadcast(workshop: string, text: string, at: number): Broadcast {
    const r = this._q.broadcast.run(workshop, text, at);
    return { id: Number(r.lastInsertRowid), text, at };
  }

  broadcasts(workshop: string): Broadcast[] {
    return this._q.broadcasts.all(workshop) as Broadcast[];
  }

  log(e: { at: number; action: string; workshop?: string; attendee?: string; detail?: string; client?: string }): void {
    this._q.log.run(e.at, e.action, e.workshop ?? null, e.attendee ?? null, e.detail ?? null, e.client ?? null);
  }

  setting(key: string): string | undefined {
    return (this._q.setting.get(key) as { value: string } | undefined)?.value;
  }

  setSetting(key: string, value: string): void {
    this._q.setSetting.run(key, value);
  }

  /** Removes the settings under `prefix` whose value, a time in epoch ms, is at or before `now`. */
  pruneExpired(prefix: string, now: number): void {
    this._q.pruneSettings.run(`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, now);
  }
}
