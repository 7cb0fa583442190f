/**
 * The workshop routes of server/common/api.ts: the attendee's (join info, join, their workshop)
 * and the instructor's behind the admin cookie (workshops, the room and its event stream,
 * broadcast, end, export, and the per-attendee actions). The HTTP side only: who asks, what the
 * body says, which status a refusal gets; the rules are server/workshops'.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RoomEvent } from '../common/api.ts';
import type { Learners } from '../learners/learners.ts';
import { ADMIN_SESSION_MS } from '../workshops/adminKeys.ts';
import type { Result, Workshops } from '../workshops/workshops.ts';
import { adminLoginBody, broadcastBody, extendBody, joinBody, jumpBody, parseBody, workshopBody } from './bodies.ts';
import { HttpError, readJsonBody } from './httpIo.ts';
import type { RateLimiter } from './rateLimiter.ts';
import { adminCookie, adminToken, sessionCookie, sessionToken } from './requestAuth.ts';
import { RESPONDED, type RouteTable } from './router.ts';
import type { EventStreams } from './sse.ts';

/** The console hears about a change within this long: changes closer together are sent as one. */
export const ROOM_PUSH_MS = 250;
/** With nothing happening, the room is sent again this often anyway: idle and time-on-step move with the clock. */
export const ROOM_REFRESH_MS = 5_000;

export type WorkshopRouteName =
  | 'joinInfo' | 'join' | 'myWorkshop' | 'adminLogin' | 'adminSession' | 'workshops' | 'workshop' | 'roomEvents'
  | 'broadcast' | 'endWorkshop' | 'exportResults' | 'resetAttendee' | 'jumpAttendee' | 'extendAttendee';

export interface WorkshopDeps {
  workshops: Workshops;
  learners: Learners;
  streams: EventStreams;
  /** Per client address: new sessions (a join may make one), admin logins (guessing the secret). */
  rates: { sessions: RateLimiter; adminLogins: RateLimiter };
}

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new HttpError(r.status, r.error);
  return r.value;
}

export function workshopRoutes({ workshops, learners, streams, rates }: WorkshopDeps): Pick<RouteTable, WorkshopRouteName> {
  const mustAdmin = (req: IncomingMessage): void => {
    if (!workshops.admin.session(adminToken(req))) throw new HttpError(401, 'the admin console needs the admin token: log in at /#/admin');
  };
  const limited = (res: ServerResponse, limiter: RateLimiter, client: string | undefined, what: string): void => {
    const take = limiter.take(client ?? 'unknown');
    if (take.ok) return;
    res.setHeader('retry-after', String(take.retryAfterS));
    throw new HttpError(429, `Too many ${what} from your address (at most ${limiter.perMinute} a minute); try again in ${take.retryAfterS} s.`);
  };

  return {
    joinInfo: { GET: ({ params }) => unwrap(workshops.joinInfo(params.code)) },
    join: {
      async POST({ req, res, view }) {
        const { code, name } = parseBody(joinBody, await readJsonBody(req));
        const current = learners.byToken(sessionToken(req));
        const joined = unwrap(workshops.join(code, name, current, () => {
          limited(res, rates.sessions, view.client, 'new sessions');
          const full = learners.sessionsFull();
          if (full) throw new HttpError(503, full);
          return learners.create();
        }));
        if (joined.token) res.setHeader('set-cookie', sessionCookie(joined.token, view.proto === 'https'));
        return joined.info;
      },
    },
    myWorkshop: {
      GET({ req }) {
        const learner = learners.byToken(sessionToken(req));
        const info = learner && workshops.attendeeInfo(learner.id);
        if (!info) throw new HttpError(404, 'you have not joined a workshop');
        return info;
      },
    },
    adminLogin: {
      async POST({ req, res, view }) {
        limited(res, rates.adminLogins, view.client, 'admin logins');
        const { token } = parseBody(adminLoginBody, await readJsonBody(req));
        const session = workshops.admin.login(token);
        if (!session) {
          workshops.audit('login refused', { client: view.client });
          throw new HttpError(401, 'that is not the admin token (it was printed when the lab first started, or set with SHIPLAB_ADMIN_TOKEN)');
        }
        workshops.audit('login', { client: view.client });
        res.setHeader('set-cookie', adminCookie(session, view.proto === 'https', ADMIN_SESSION_MS / 1000));
        return { ok: true };
      },
    },
    adminSession: {
      GET({ req }) {
        mustAdmin(req);
        return { ok: true };
      },
      async POST({ req, res, view }) {
        await readJsonBody(req);
        if (workshops.admin.session(adminToken(req))) workshops.audit('logout', { client: view.client });
        workshops.admin.logout(adminToken(req));
        res.setHeader('set-cookie', adminCookie('', view.proto === 'https', 0));
        return { ok: true };
      },
    },
    workshops: {
      GET({ req }) {
        mustAdmin(req);
        return workshops.list();
      },
      async POST({ req, view }) {
        mustAdmin(req);
        const input = parseBody(workshopBody, await readJsonBody(req));
        return unwrap(workshops.create(input, view.client));
      },
    },
    workshop: {
      GET({ req, params }) {
        mustAdmin(req);
        const room = workshops.room(params.workshop);
        if (!room) throw new HttpError(404, `no workshop ${params.workshop}`);
        return room;
      },
    },
    roomEvents: {
      GET({ req, res, params }) {
        mustAdmin(req);
        const id = params.workshop;
        const first = workshops.room(id);
        if (!first) throw new HttpError(404, `no workshop ${id}`);
        streams.serve<RoomEvent>(req, res, {
          initial: [{ type: 'room', room: first }],
          subscribe(send) {
            // Changes come in bursts (a check, its progress, a sandbox event): one room per burst.
            let timer: ReturnType<typeof setTimeout> | undefined;
            const push = () => {
              timer = undefined;
              const room = workshops.room(id);
              if (room) send({ type: 'room', room });
            };
            const sub = workshops.onRoom((e) => {
              if (e.workshop === id) timer ??= setTimeout(push, ROOM_PUSH_MS);
            });
            const refresh = setInterval(() => (timer ??= setTimeout(push, 0)), ROOM_REFRESH_MS);
            return {
              dispose() {
                void sub.dispose();
                clearInterval(refresh);
                if (timer) clearTimeout(timer);
              },
            };
          },
        });
        return RESPONDED;
      },
    },
    broadcast: {
      async POST({ req, params, view }) {
        mustAdmin(req);
        const { text } = parseBody(broadcastBody, await readJsonBody(req));
        return unwrap(workshops.broadcast(params.workshop, text, view.client));
      },
    },
    endWorkshop: {
      async POST({ req, params, view }) {
        mustAdmin(req);
        await readJsonBody(req);
        return unwrap(await workshops.end(params.workshop, view.client));
      },
    },
    exportResults: {
      GET({ req, res, params, view }) {
        mustAdmin(req);
        const csv = workshops.exportCsv(params.workshop, view.client);
        if (csv === undefined) throw new HttpError(404, `no workshop ${params.workshop}`);
        res.writeHead(200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="shiplab-${params.workshop.replace(/[^A-Za-z0-9_-]/g, '')}-results.csv"`,
          'cache-control': 'no-store',
        });
        res.end(csv);
        return RESPONDED;
      },
    },
    resetAttendee: {
      async POST({ req, params, view }) {
        mustAdmin(req);
        await readJsonBody(req);
        return unwrap(await workshops.reset(params.workshop, params.attendee, view.client));
      },
    },
    jumpAttendee: {
      async POST({ req, params, view }) {
        mustAdmin(req);
        const { lesson, step } = parseBody(jumpBody, await readJsonBody(req));
        return unwrap(workshops.jump(params.workshop, params.attendee, lesson, step, view.client));
      },
    },
    extendAttendee: {
      async POST({ req, params, view }) {
        mustAdmin(req);
        const { minutes } = parseBody(extendBody, await readJsonBody(req));
        return unwrap(workshops.extend(params.workshop, params.attendee, minutes, view.client));
      },
    },
  };
}
