/**
 * The API's handlers, one per route and method of server/common/api.ts. Each is the HTTP side
 * only: who is asking, what the body says, which status an expected failure gets; what happens is
 * the learners' and lessons' business.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LessonView, ServerEvent, SessionInfo } from '../common/api.ts';
import type { LearnerRecord, Learners } from '../learners/learners.ts';
import type { LessonService } from '../lessons/types.ts';
import { checkBody, parseBody, sandboxBody } from './bodies.ts';
import { HttpError, readJsonBody } from './httpIo.ts';
import { sessionCookie, sessionToken } from './requestAuth.ts';
import type { RateLimiter, Take } from './rateLimiter.ts';
import { RESPONDED, type RouteTable } from './router.ts';
import type { EventStreams } from './sse.ts';
import type { WorkshopRouteName } from './workshopRoutes.ts';

/** A step index in a check path; anything else is no route at all. */
const STEP = /^\d{1,4}$/;

export interface ApiDeps {
  learners: Learners;
  lessons: LessonService;
  streams: EventStreams;
  /** Per client address: new sessions, and sandbox starts that would make a new sandbox. */
  rates: { sessions: RateLimiter; creates: RateLimiter };
}

/** A lab at its session cap asks to come back this much later: sessions expire in days, not seconds. */
const SESSIONS_FULL_RETRY_AFTER_S = 3600;

/** Refuses with `status`, the reason, and when to come back (Retry-After, seconds). */
function refuse(res: ServerResponse, status: 429 | 503, retryAfterS: number, message: string): never {
  res.setHeader('retry-after', String(retryAfterS));
  throw new HttpError(status, message);
}

/** 429 when `take` found the client's bucket empty. */
function limit(res: ServerResponse, take: Take, what: string, perMinute: number): void {
  if (!take.ok) refuse(res, 429, take.retryAfterS, `Too many ${what} from your address (at most ${perMinute} a minute); try again in ${take.retryAfterS} s.`);
}

/** The learner's routes; the workshop routes are workshopRoutes.ts'. */
export function apiRoutes({ learners, lessons, streams, rates }: ApiDeps): Omit<RouteTable, WorkshopRouteName> {
  const mustLearner = (req: IncomingMessage): LearnerRecord => {
    const learner = learners.byToken(sessionToken(req));
    if (!learner) throw new HttpError(401, 'no session: POST /api/session first (the page does this when it loads)');
    return learner;
  };
  const mustLesson = (id: string): LessonView => {
    const view = lessons.view(id);
    if (!view) throw new HttpError(404, `no lesson ${id}`);
    return view;
  };

  return {
    session: {
      async POST({ req, res, view }) {
        await readJsonBody(req); // no fields, but a body that is not a JSON object is still refused
        let learner = learners.byToken(sessionToken(req));
        if (!learner) {
          limit(res, rates.sessions.take(view.client ?? 'unknown'), 'new sessions', rates.sessions.perMinute);
          const full = learners.sessionsFull();
          if (full) refuse(res, 503, SESSIONS_FULL_RETRY_AFTER_S, full);
          const created = learners.create();
          learner = created.learner;
          res.setHeader('set-cookie', sessionCookie(created.token, view.proto === 'https'));
        }
        return { learner: learner.id, lesson: learner.lesson, progress: learner.progress } satisfies SessionInfo;
      },
    },
    lessons: { GET: () => lessons.list() },
    lesson: { GET: ({ params }) => mustLesson(params.lesson) },
    check: {
      async POST({ req, params, path }) {
        if (!STEP.test(params.step)) throw new HttpError(404, `no route POST ${path}`);
        const learner = mustLearner(req);
        const body = await readJsonBody(req);
        const step = Number(params.step);
        const view = mustLesson(params.lesson);
        if (step >= view.stepViews.length) {
          throw new HttpError(404, `lesson ${params.lesson} has no step ${step} (it has ${view.stepViews.length})`);
        }
        const { answer } = parseBody(checkBody, body);
        const result = await learners.check(learner.id, params.lesson, step, answer);
        if (!result) throw new HttpError(409, 'no sandbox is ready: start the lesson (its sandbox) first, then check');
        return result;
      },
    },
    progress: { GET: ({ req }) => mustLearner(req).progress },
    sandbox: {
      GET({ req }) {
        const learner = mustLearner(req);
        learners.touch(learner.id);
        return learners.status(learner.id);
      },
      async POST({ req, res, view }) {
        const learner = mustLearner(req);
        const { lesson } = parseBody(sandboxBody, await readJsonBody(req));
        mustLesson(lesson);
        // Only a start that makes a new sandbox counts; one starting or ready is answered as is.
        if (!learners.starting(learner.id) && !learners.ready(learner.id)) {
          limit(res, rates.creates.take(view.client ?? 'unknown'), 'sandbox starts', rates.creates.perMinute);
        }
        const started = learners.start(learner.id, lesson);
        if (!started.ok) refuse(res, 503, started.retryAfterS, started.error);
        return started.status;
      },
      async DELETE({ req }) {
        const learner = mustLearner(req);
        await learners.stop(learner.id);
        return learners.status(learner.id);
      },
    },
    events: {
      GET({ req, res }) {
        const learner = mustLearner(req);
        learners.touch(learner.id);
        streams.serve<ServerEvent>(req, res, {
          initial: [
            { type: 'sandbox', status: learners.status(learner.id) },
            { type: 'progress', progress: learner.progress },
          ],
          subscribe: (send) => {
            // The open stream is the learner's page being there (the console's "connected").
            const page = learners.connect(learner.id);
            const sub = learners.onEvent((e) => {
              if (e.learner === learner.id) send(e.event);
            });
            return { dispose: () => void [sub.dispose(), page.dispose()] };
          },
          onBeat: () => learners.touch(learner.id),
        });
        return RESPONDED;
      },
    },
  };
}
