/**
 * The HTTP/SSE/WebSocket contract between the browser (and the validator) and the server,
 * written once. No DOM, no Node: both sides import it.
 */
import { route } from './route.ts';

export const NODE_NAMES = ['node1', 'remote-docker-engine'] as const;
export type NodeName = (typeof NODE_NAMES)[number];

export function isNodeName(s: string): s is NodeName {
  return (NODE_NAMES as readonly string[]).includes(s);
}

export const SESSION_COOKIE = 'shiplab_session';

/**
 * Every route, once: methods and path template. The page and the Node client build paths with
 * `routes.x.path(params)`; the server's route table is keyed on these names and matches with
 * `routes.x.match(pathname)` (server/common/route.ts).
 */
export const routes = {
  /** POST: start (or resume, with the cookie) a learner session; sets the HttpOnly cookie. */
  session: route(['POST'], '/api/session'),
  /** GET: LessonSummary[] */
  lessons: route(['GET'], '/api/lessons'),
  /** GET: LessonView */
  lesson: route(['GET'], '/api/lessons/:lesson'),
  /** POST { answer?: string } → CheckResult. `step` is 0-based. */
  check: route(['POST'], '/api/lessons/:lesson/steps/:step/check'),
  /** GET: Progress of this learner. */
  progress: route(['GET'], '/api/progress'),
  /** GET: SandboxStatus; POST { lesson }: start one (or return the running one); DELETE: remove it. */
  sandbox: route(['GET', 'POST', 'DELETE'], '/api/sandbox'),
  /** GET: text/event-stream of ServerEvent. */
  events: route(['GET'], '/api/events'),
  /** WebSocket (a GET upgrade): one terminal on one node of this learner's sandbox. */
  terminal: route(['GET'], '/ws/terminal/:node'),
} as const;

export interface LessonSummary {
  id: string;
  title: string;
  summary: string;
  minutes: number;
  nodes: NodeName[];
  prerequisites: string[];
  order: number;
  next?: string;
  steps: number;
  /** Set when the lesson's files are broken: file, line and what is wrong. */
  error?: string;
}

export interface StepView {
  index: number;
  id: string;
  title: string;
  /** Rendered, escaped HTML; runnable blocks are <pre class="code runnable" data-node="…">. */
  html: string;
  /** Present when the step asks the learner to type an answer. */
  question?: string;
}

export interface LessonView extends LessonSummary {
  introHtml: string;
  recapHtml: string;
  steps: number;
  stepViews: StepView[];
}

export type CheckStatus = 'passed' | 'not-yet' | 'error' | 'timeout';

export interface CheckResult {
  status: CheckStatus;
  passed: boolean;
  /** What the check wanted, in words. */
  expected?: string;
  /** What it found in the engines/registries. */
  found?: string;
  hint?: { id: string; text: string };
  /** For error/timeout: what went wrong. */
  message?: string;
  durationMs: number;
}

/** Steps passed, per lesson (0-based step indices). */
export type Progress = Record<string, number[]>;

export type SandboxState = 'none' | 'starting' | 'ready' | 'expired' | 'failed';

/** A learner's place in the line for a sandbox. */
export interface QueuePlace {
  /** 1 is next. */
  position: number;
  /** Estimated seconds until the sandbox is ready (an estimate, rounded up). */
  etaS: number;
  /** etaS rests on the sandboxes' time limits (nobody has left lately): the most it can be. */
  atMost: boolean;
  /** Sandboxes that exist or are being created now. */
  running: number;
  /** Sandboxes the lab holds at once. */
  capacity: number;
  /** Every place is taken: the learner waits for someone to leave, not just for a create. */
  full: boolean;
}

export interface SandboxStatus {
  state: SandboxState;
  id?: string;
  lesson?: string;
  /** While starting: what is happening now. */
  progress?: { phase: string; percent: number };
  /** While starting and waiting for a place (progress.phase 'queued'): where the learner stands. */
  queue?: QueuePlace;
  /** Epoch ms. */
  expiresAt?: number;
  nodes: NodeName[];
  error?: string;
}

export type ServerEvent =
  | { type: 'sandbox'; status: SandboxStatus }
  | { type: 'check'; lesson: string; step: number; result: CheckResult; auto: boolean }
  | { type: 'progress'; progress: Progress };

/** POST /api/session answers with the learner it found (cookie) or created. */
export interface SessionInfo {
  learner: string;
  /** The lesson whose sandbox the learner started last. */
  lesson?: string;
  progress: Progress;
}

export interface ApiError {
  error: string;
}

/** WebSocket close codes the server uses, with their meaning. */
export const CloseCode = {
  /** The shell ended. */
  Ended: 4000,
  /** A malformed or oversized frame. */
  BadFrame: 4400,
  /** No session cookie, or a foreign Origin. */
  Unauthorized: 4401,
  /** No sandbox, or no such node. */
  NotFound: 4404,
  /** The sandbox expired or was removed. */
  Gone: 4410,
  /** The same terminal was opened by another socket (another tab); do not reconnect on your own. */
  Replaced: 4409,
} as const;
