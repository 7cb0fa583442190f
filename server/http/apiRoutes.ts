/**
 * The API's handlers, one per route and method of server/common/api.ts. Each is the HTTP side
 * only: who is asking, what the body says, which status an expected failure gets; what happens is
 * the learners' and lessons' business.
 */
import type { IncomingMessage } from 'node:http';
import type { LessonView, SessionInfo } from '../common/api.ts';
import type { LearnerRecord, Learners } from '../learners/learners.ts';
import type { LessonService } from '../lessons/types.ts';
import { checkBody, parseBody, sandboxBody } from './bodies.ts';
import { HttpError, readJsonBody } from './httpIo.ts';
import { sessionCookie, sessionToken } from './requestAuth.ts';
import { RESPONDED, type RouteTable } from './router.ts';
import type { EventStreams } from './sse.ts';

/** A step index in a check path; anything else is no route at all. */
const STEP = /^\d{1,4}$/;

export interface ApiDeps {
  learners: Learners;
  lessons: LessonService;
  streams: EventStreams;
}

export function apiRoutes({ learners, lessons, streams }: ApiDeps): RouteTable {
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
      async POST({ req }) {
        const learner = mustLearner(req);
        const { lesson } = parseBody(sandboxBody, await readJsonBody(req));
        mustLesson(lesson);
        return learners.start(learner.id, lesson);
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
        streams.serve(req, res, {
          initial: [
            { type: 'sandbox', status: learners.status(learner.id) },
            { type: 'progress', progress: learner.progress },
          ],
          subscribe: (send) =>
            learners.onEvent((e) => {
              if (e.learner === learner.id) send(e.event);
            }),
          onBeat: () => learners.touch(learner.id),
        });
        return RESPONDED;
      },
    },
  };
}
