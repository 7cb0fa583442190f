/**
 * The request bodies of the API as zod schemas. readJsonBody (httpIo.ts) has already refused what
 * is not a JSON object; a schema's first issue is the 400 the learner (or client) reads, so each
 * one carries the message that says what to send.
 */
import { z } from 'zod';
import { MAX_BROADCAST_CHARS, MAX_NAME_CHARS } from '../common/api.ts';
import { HttpError } from './httpIo.ts';

/** Longest answer a question step accepts; answers are a number or a short word. */
export const MAX_ANSWER_CHARS = 1000;
const ANSWER = `answer must be a string of at most ${MAX_ANSWER_CHARS} characters`;

/** POST /api/lessons/:lesson/steps/:step/check */
export const checkBody = z.object({ answer: z.string({ error: ANSWER }).max(MAX_ANSWER_CHARS, { error: ANSWER }).optional() });

/** POST /api/sandbox */
export const sandboxBody = z.object({ lesson: z.string({ error: 'body must be { "lesson": "<lesson id>" }' }) });

const NAME = `name must be 1 to ${MAX_NAME_CHARS} characters, letters, digits, spaces and punctuation (no control characters)`;
/** A display name typed by an attendee: shown to the room and the instructor, so no control or
 * formatting characters (bidi overrides, zero-width) that could disguise it. */
const displayName = z.string({ error: NAME }).trim().min(1, { error: NAME }).max(MAX_NAME_CHARS, { error: NAME })
  .refine((s) => !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(s), { error: NAME });

/** POST /api/join */
export const joinBody = z.object({
  code: z.string({ error: 'body must be { "code": "XXXX-XXXX", "name": "…" }' }).max(64, { error: 'a join code has 8 characters (XXXX-XXXX)' }),
  name: displayName,
});

/** POST /api/admin/login */
export const adminLoginBody = z.object({ token: z.string({ error: 'body must be { "token": "<the admin token>" }' }).max(512, { error: 'that is not the admin token' }) });

const DAY_MS = 24 * 3600_000;
const epochMs = (what: string) => z.number({ error: `${what} must be a time in epoch milliseconds` }).int({ error: `${what} must be a whole number of milliseconds` })
  .min(Date.UTC(2020, 0, 1), { error: `${what} is before 2020` }).max(Date.UTC(2100, 0, 1), { error: `${what} is after 2100` });

/** POST /api/admin/workshops */
export const workshopBody = z.object({
  title: z.string({ error: 'title must be a string' }).trim().min(1, { error: 'title is empty' }).max(120, { error: 'title must be at most 120 characters' })
    .refine((s) => !/[\p{Cc}\p{Cf}]/u.test(s), { error: 'title must not hold control characters' }),
  lessons: z.array(z.string({ error: 'lessons must be lesson ids' }).max(100), { error: 'lessons must be a list of lesson ids' })
    .min(1, { error: 'a workshop needs at least one lesson' }).max(50, { error: 'at most 50 lessons' }),
  capacity: z.number({ error: 'capacity must be a number' }).int({ error: 'capacity must be a whole number' })
    .min(1, { error: 'capacity must be at least 1' }).max(500, { error: 'capacity must be at most 500' }),
  opensAt: epochMs('opensAt'),
  closesAt: epochMs('closesAt'),
  sessionMinutes: z.number({ error: 'sessionMinutes must be a number' }).int({ error: 'sessionMinutes must be whole minutes' })
    .min(5, { error: 'sessionMinutes must be at least 5' }).max(DAY_MS / 60_000, { error: 'sessionMinutes must be at most a day' }),
  poolShare: z.number({ error: 'poolShare must be a number from 0 to 1' }).min(0, { error: 'poolShare must be from 0 to 1' }).max(1, { error: 'poolShare must be from 0 to 1' }).optional(),
});

/** POST …/broadcast */
export const broadcastBody = z.object({
  text: z.string({ error: 'body must be { "text": "…" }' }).trim().min(1, { error: 'the message is empty' })
    .max(MAX_BROADCAST_CHARS, { error: `a broadcast is at most ${MAX_BROADCAST_CHARS} characters` }),
});

/** POST …/jump */
export const jumpBody = z.object({
  lesson: z.string({ error: 'body must be { "lesson": "<id>", "step": <0-based index> }' }).max(100),
  step: z.number({ error: 'step must be a 0-based step index' }).int({ error: 'step must be a whole number' }).min(0, { error: 'step must be 0 or more' }).max(999),
});

/** POST …/extend */
export const extendBody = z.object({
  minutes: z.number({ error: 'body must be { "minutes": 1-240 }' }).int({ error: 'minutes must be whole' }).min(1, { error: 'minutes must be at least 1' }).max(240, { error: 'at most 240 minutes at a time' }),
});

/** `body` read with `schema`, or an HttpError 400 with the schema's message. */
export function parseBody<S extends z.ZodType>(schema: S, body: Record<string, unknown>): z.output<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw new HttpError(400, r.error.issues[0]?.message ?? 'the request body is not valid');
  return r.data;
}
