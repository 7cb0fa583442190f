/**
 * The request bodies of the API as zod schemas. readJsonBody (httpIo.ts) has already refused what
 * is not a JSON object; a schema's first issue is the 400 the learner (or client) reads, so each
 * one carries the message that says what to send.
 */
import { z } from 'zod';
import { HttpError } from './httpIo.ts';

/** Longest answer a question step accepts; answers are a number or a short word. */
export const MAX_ANSWER_CHARS = 1000;
const ANSWER = `answer must be a string of at most ${MAX_ANSWER_CHARS} characters`;

/** POST /api/lessons/:lesson/steps/:step/check */
export const checkBody = z.object({ answer: z.string({ error: ANSWER }).max(MAX_ANSWER_CHARS, { error: ANSWER }).optional() });

/** POST /api/sandbox */
export const sandboxBody = z.object({ lesson: z.string({ error: 'body must be { "lesson": "<lesson id>" }' }) });

/** `body` read with `schema`, or an HttpError 400 with the schema's message. */
export function parseBody<S extends z.ZodType>(schema: S, body: Record<string, unknown>): z.output<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw new HttpError(400, r.error.issues[0]?.message ?? 'the request body is not valid');
  return r.data;
}
