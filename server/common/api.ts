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

  // Workshops: the attendee's side (a learner session like any other, made by joining).
  /** GET: JoinInfo for a join code (any case, with or without the dash); 404 for a wrong code. */
  joinInfo: route(['GET'], '/api/join/:code'),
  /** POST JoinBody → AttendeeInfo; sets the session cookie. 403 not open yet / ended, 409 full or name taken. */
  join: route(['POST'], '/api/join'),
  /** GET: AttendeeInfo of this learner's workshop; 404 when the learner is no attendee. */
  myWorkshop: route(['GET'], '/api/workshop'),

  // Workshops: the instructor's side, behind the admin cookie (POST adminLogin with the admin token).
  /** POST { token } → { ok: true }; sets the admin cookie. 401 for a wrong token. */
  adminLogin: route(['POST'], '/api/admin/login'),
  /** GET → { ok: true } while the admin cookie is valid, else 401. POST: log out. */
  adminSession: route(['GET', 'POST'], '/api/admin/session'),
  /** GET: WorkshopSummary[]; POST WorkshopInput → WorkshopSummary. */
  workshops: route(['GET', 'POST'], '/api/admin/workshops'),
  /** GET: RoomView (the console's whole state). */
  workshop: route(['GET'], '/api/admin/workshops/:workshop'),
  /** GET: text/event-stream of RoomEvent: the room again within a second of any change. */
  roomEvents: route(['GET'], '/api/admin/workshops/:workshop/events'),
  /** POST { text } → Broadcast: shown to every attendee. */
  broadcast: route(['POST'], '/api/admin/workshops/:workshop/broadcast'),
  /** POST → WorkshopSummary: ends it; sandboxes removed, results kept. */
  endWorkshop: route(['POST'], '/api/admin/workshops/:workshop/end'),
  /** GET: text/csv, one row per attendee and step (attendee, lesson, step, passed_at, attempts, hints_seen). */
  exportResults: route(['GET'], '/api/admin/workshops/:workshop/results.csv'),
  /** POST → RoomAttendee: a new sandbox for the attendee (progress kept). */
  resetAttendee: route(['POST'], '/api/admin/workshops/:workshop/attendees/:attendee/reset'),
  /** POST JumpBody → RoomAttendee: solves the steps before { lesson, step } with their own solutions (progress shows while it runs). */
  jumpAttendee: route(['POST'], '/api/admin/workshops/:workshop/attendees/:attendee/jump'),
  /** POST { minutes } → RoomAttendee: more time for one attendee. */
  extendAttendee: route(['POST'], '/api/admin/workshops/:workshop/attendees/:attendee/extend'),
  /** WebSocket (a GET upgrade), admin cookie: a read-only shadow of an attendee's terminal on `node`. */
  shadow: route(['GET'], '/ws/shadow/:workshop/:attendee/:node'),
} as const;

/** The admin console's cookie (HttpOnly, SameSite=Strict), separate from the learner's session. */
export const ADMIN_COOKIE = 'shiplab_admin';

/** Join codes: 8 characters from an alphabet without look-alikes (no 0/O, 1/I/l), shown as XXXX-XXXX. */
export const JOIN_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** A display name: 1 to 40 characters after trimming. */
export const MAX_NAME_CHARS = 40;
/** A broadcast: 1 to 280 characters. */
export const MAX_BROADCAST_CHARS = 280;

/** 'scheduled' before opensAt, 'open' until closesAt or an end, then 'ended'. */
export type WorkshopState = 'scheduled' | 'open' | 'ended';

export interface WorkshopInput {
  title: string;
  /** Lesson ids, in the order attendees take them. */
  lessons: string[];
  /** Attendees at most. */
  capacity: number;
  /** Epoch ms. */
  opensAt: number;
  closesAt: number;
  /** Each attendee's time from joining (bounded by closesAt), minutes. */
  sessionMinutes: number;
  /** Share of the capacity kept warm (sandboxes running before anyone joins), 0..1; default 0.5. */
  poolShare?: number;
}

export interface WorkshopSummary extends Required<WorkshopInput> {
  id: string;
  /** XXXX-XXXX */
  code: string;
  state: WorkshopState;
  attendees: number;
  /** Path of the join link on this lab (the page adds its origin): /#/join/<code>. */
  joinPath: string;
  createdAt: number;
  endedAt?: number;
}

/** What GET joinInfo tells a visitor holding a code. */
export interface JoinInfo {
  code: string;
  title: string;
  /** 'full' when every place is taken (a returning attendee still gets in). */
  state: 'not-open' | 'open' | 'full' | 'ended';
  opensAt: number;
  closesAt: number;
}

export interface JoinBody {
  code: string;
  name: string;
}

export interface Broadcast {
  id: number;
  text: string;
  /** Epoch ms. */
  at: number;
}

/** What an attendee's page knows of their workshop. */
export interface AttendeeInfo {
  workshop: { id: string; title: string; lessons: string[]; state: WorkshopState; closesAt: number };
  attendee: { id: string; name: string; joinedAt: number; /** Epoch ms: the attendee's time ends (extensions included). */ endsAt: number };
  /** Newest last. */
  broadcasts: Broadcast[];
}

/** One column of the console's grid. */
export interface RoomStep {
  lesson: string;
  step: number;
  title: string;
}

/**
 * One cell: done (with when), current (the attendee's first step not done), failing (current, and
 * its last check did not pass: with the hint the attendee was shown), or todo.
 */
export interface RoomCell {
  state: 'done' | 'current' | 'failing' | 'todo';
  passedAt?: number;
  attempts: number;
  hint?: { id: string; text: string };
}

export interface RoomAttendee {
  id: string;
  name: string;
  joinedAt: number;
  endsAt: number;
  sandbox: SandboxState;
  /** A page of theirs holds the event stream open. */
  connected: boolean;
  /** Connected, but no terminal input for the workshop's idle time (IDLE_AFTER_MS). */
  idle: boolean;
  lastInputAt?: number;
  /** Index into RoomView.steps of the current step; undefined when all are done. */
  current?: number;
  /** Epoch ms since when the attendee is on the current step. */
  currentSince?: number;
  /** While a jump runs: what it does now. */
  busy?: string;
  /** One per RoomView.steps entry. */
  cells: RoomCell[];
}

/** The heat map: per step, who is on it, for how long, and what fails there. */
export interface StepHeat {
  /** Attendees whose current step this is. */
  on: number;
  medianS: number;
  maxS: number;
  /** The most shown hints among those on it, most first. */
  topHints: { id: string; text: string; count: number }[];
}

export interface RoomView {
  workshop: WorkshopSummary;
  steps: RoomStep[];
  attendees: RoomAttendee[];
  /** One per RoomView.steps entry. */
  heat: StepHeat[];
  pool: { ready: number; starting: number; target: number };
  broadcasts: Broadcast[];
  /** Epoch ms when the server built this view. */
  at: number;
}

export type RoomEvent = { type: 'room'; room: RoomView };

export interface JumpBody {
  lesson: string;
  /** 0-based: the step the attendee lands on (the steps before it get solved). */
  step: number;
}

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
  | { type: 'progress'; progress: Progress }
  /** An attendee's workshop: a broadcast from the instructor, or a change of time or state. */
  | { type: 'broadcast'; broadcast: Broadcast }
  | { type: 'workshop'; info: AttendeeInfo };

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
  /**
   * The lab server is stopping or restarting (RFC 6455's 1012, Service Restart): the sandbox stays,
   * so the page reconnects with its usual backoff and gets a new shell in the same sandbox.
   */
  Restarting: 1012,
} as const;
