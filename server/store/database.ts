/**
 * The lab's embedded database (SQLite through better-sqlite3): learners and their sessions,
 * per-step progress, workshops and their attendees, broadcasts and the admin log. One file in the
 * data directory, opened once by the composition root and handed down; every change is one small
 * statement (nothing is rewritten whole), and WAL keeps a crash from leaving half a change.
 *
 * The schema has a version (SQLite's user_version) and forward-only migrations: a database from an
 * older Shiplab is migrated at open, one from a newer one is refused with a clear error.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/** The schema, one migration per version; MIGRATIONS[i] takes a database from version i to i + 1. */
const MIGRATIONS: readonly string[] = [
  // 1: learners, progress, workshops.
  `
  CREATE TABLE learners (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    lesson TEXT
  );
  CREATE TABLE step_progress (
    learner TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
    lesson TEXT NOT NULL,
    step INTEGER NOT NULL,
    first_passed_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status TEXT,
    last_hint_id TEXT,
    last_hint_text TEXT,
    last_at INTEGER,
    PRIMARY KEY (learner, lesson, step)
  );
  CREATE TABLE hints_seen (
    learner TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
    lesson TEXT NOT NULL,
    step INTEGER NOT NULL,
    hint_id TEXT NOT NULL,
    hint_text TEXT NOT NULL,
    times INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    PRIMARY KEY (learner, lesson, step, hint_id)
  );
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE workshops (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    lessons TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    session_minutes INTEGER NOT NULL,
    pool_share REAL NOT NULL,
    created_at INTEGER NOT NULL,
    ended_at INTEGER
  );
  CREATE TABLE attendees (
    learner TEXT PRIMARY KEY REFERENCES learners(id),
    workshop TEXT NOT NULL REFERENCES workshops(id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    sandbox TEXT,
    UNIQUE (workshop, name_key)
  );
  CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workshop TEXT NOT NULL REFERENCES workshops(id),
    text TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE TABLE admin_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    action TEXT NOT NULL,
    workshop TEXT,
    attendee TEXT,
    detail TEXT,
    client TEXT
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** A database file this Shiplab cannot use (newer schema, not SQLite); the message says what to do. */
export class DatabaseError extends Error {}

/**
 * Opens (creating if needed) the database at `file` and migrates it to SCHEMA_VERSION.
 * ':memory:' gives a throwaway one (tests).
 * @throws DatabaseError for a file from a newer Shiplab, or one that is not a database.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let db: Db;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
  } catch (err) {
    throw new DatabaseError(`${file} cannot be opened as Shiplab's database (${(err as Error).message}); move it aside and start again`);
  }
  // NORMAL with WAL: a power cut may lose the last moments, never corrupts the file.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  if (file !== ':memory:') fs.chmodSync(file, 0o600);
  migrate(db, file);
  return db;
}

function migrate(db: Db, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new DatabaseError(`${file} has schema version ${version}, newer than this Shiplab's ${SCHEMA_VERSION}; run the newer Shiplab or move the file aside`);
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
