/**
 * The instructor's secret and the admin console's sessions. There is no default password: the
 * secret is the operator's (SHIPLAB_ADMIN_TOKEN) or made at first start and shown once; only its
 * sha256 is kept, and a presented token is compared in constant time. Logging in trades the
 * secret for an admin session (its own cookie), kept hashed in the database so a server restart
 * in the middle of a workshop does not log the instructor out.
 */
import crypto from 'node:crypto';
import type { WorkshopStore } from './workshopStore.ts';

/** 32 random bytes, base64url: 43 characters, like the learners' session tokens. */
const SECRET_BYTES = 32;
/** An admin session lasts a long workshop day. */
export const ADMIN_SESSION_MS = 12 * 60 * 60_000;
const TOKEN_HASH_KEY = 'admin.tokenHash';
const SESSION_KEY_PREFIX = 'admin.session.';
/** A presented secret longer than this is refused before hashing (no work for a huge header). */
const MAX_PRESENTED_CHARS = 512;

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest();

export class AdminKeys {
  private constructor(
    private readonly _store: WorkshopStore,
    private readonly _tokenHash: Buffer,
    private readonly _now: () => number,
  ) {}

  /**
   * The admin keys: `configured` (the operator's secret) when given, else the one kept in the
   * database, else a new one, returned as `firstToken` so the caller prints it once.
   */
  static open(store: WorkshopStore, configured: string | undefined, now: () => number = Date.now): { keys: AdminKeys; firstToken?: string } {
    if (configured) return { keys: new AdminKeys(store, sha256(configured), now) };
    const kept = store.setting(TOKEN_HASH_KEY);
    if (kept) return { keys: new AdminKeys(store, Buffer.from(kept, 'hex'), now) };
    const firstToken = crypto.randomBytes(SECRET_BYTES).toString('base64url');
    store.setSetting(TOKEN_HASH_KEY, sha256(firstToken).toString('hex'));
    return { keys: new AdminKeys(store, sha256(firstToken), now), firstToken };
  }

  /** True when `token` is the admin secret; the comparison takes the same time whatever it holds. */
  verify(token: unknown): boolean {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_PRESENTED_CHARS) return false;
    return crypto.timingSafeEqual(sha256(token), this._tokenHash);
  }

  /** A new admin session for a verified secret: the cookie value, or undefined for a wrong secret. */
  login(token: unknown): string | undefined {
    if (!this.verify(token)) return undefined;
    // Sessions that ended (expired or logged out) go as new ones come, so the table stays small.
    this._store.pruneExpired(SESSION_KEY_PREFIX, this._now());
    const session = crypto.randomBytes(SECRET_BYTES).toString('base64url');
    this._store.setSetting(SESSION_KEY_PREFIX + sha256(session).toString('hex'), String(this._now() + ADMIN_SESSION_MS));
    return session;
  }

  /** True while `cookie` names a live admin session. */
  session(cookie: string | undefined): boolean {
    if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return false;
    const until = Number(this._store.setting(SESSION_KEY_PREFIX + sha256(cookie).toString('hex')) ?? 0);
    return until > this._now();
  }

  logout(cookie: string | undefined): void {
    if (cookie && /^[A-Za-z0-9_-]{43}$/.test(cookie)) this._store.setSetting(SESSION_KEY_PREFIX + sha256(cookie).toString('hex'), '0');
  }
}
