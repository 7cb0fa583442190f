import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult, LessonView } from '../common/api.ts';
import { Emitter, toDisposable } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import type { LessonService } from '../lessons/types.ts';
import type { DestroyReason, SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { Learners } from './learners.ts';
import { SessionStore } from './sessionStore.ts';
import { openDatabase } from '../store/database.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const passed: CheckResult = { status: 'passed', passed: true, durationMs: 1 };
const notYet: CheckResult = { status: 'not-yet', passed: false, durationMs: 1 };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Learners over fakes: sandboxes that are ready at once, one lesson whose check answers `next`
 * and whose autocheck is the `auto` callback the test calls itself. */
function fixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-learners-'));
  dirs.push(dir);
  const boxes = new Map<string, SandboxInfo>();
  const sandboxes = {
    async create(owner: string) {
      const info = { id: `sb-${owner}`, owner, nodes: {} } as SandboxInfo;
      boxes.set(info.id, info);
      return info;
    },
    get: (id: string) => boxes.get(id),
    list: () => [...boxes.values()],
    touch() {},
    onDestroyed: new Emitter<{ id: string; reason: DestroyReason }>().event,
  } as unknown as Sandboxes;
  const t = { next: notYet, auto: undefined as ((step: number, r: CheckResult) => void) | undefined };
  const lessons: LessonService = {
    list: () => [],
    view: (id) => (id === 'intro' ? ({ id, stepViews: [{}, {}] } as LessonView) : undefined),
    check: async () => t.next,
    watch(_lesson, _sandbox, _passed, onResult) {
      t.auto = onResult;
      return toDisposable(() => (t.auto = undefined));
    },
  };
  const learners = new Learners({ sessions: SessionStore.open(openDatabase(path.join(dir, 'shiplab.db'))), sandboxes, lessons, log: quiet });
  // Written down as they fire, the way SSE serializes them.
  const events: string[] = [];
  learners.onEvent(({ event: e }) => {
    if (e.type !== 'sandbox') events.push(e.type === 'check' ? `check:${e.step}:${e.result.status}:${e.auto}` : `${e.type}:${JSON.stringify(e.type === 'progress' ? e.progress : '')}`);
  });
  return { learners, events, t };
}

describe('Learners.recordCheck', () => {
  it('publishes every result, and progress only when a step passes for the first time', () => {
    const { learners, events } = fixture();
    const { learner } = learners.create();
    learners.recordCheck(learner.id, 'intro', 0, notYet, false);
    learners.recordCheck(learner.id, 'intro', 0, passed, false);
    learners.recordCheck(learner.id, 'intro', 0, passed, true);
    expect(events).toEqual(['check:0:not-yet:false', 'check:0:passed:false', 'progress:{"intro":[0]}', 'check:0:passed:true']);
    expect(learners.progress(learner.id)).toEqual({ intro: [0] });
  });

  it('is the path of the manual check and of the autocheck alike', async () => {
    const { learners, events, t } = fixture();
    const { learner } = learners.create();
    expect(await learners.check(learner.id, 'intro', 0)).toBeUndefined(); // no sandbox yet
    learners.start(learner.id, 'intro');
    await new Promise((r) => setImmediate(r));
    expect(learners.ready(learner.id)).toBeDefined();
    t.next = passed;
    expect(await learners.check(learner.id, 'intro', 1)).toBe(passed);
    t.auto?.(0, passed);
    t.auto?.(0, passed);
    expect(events).toEqual(['check:1:passed:false', 'progress:{"intro":[1]}', 'check:0:passed:true', 'progress:{"intro":[0,1]}', 'check:0:passed:true']);
    await learners.dispose();
    expect(t.auto).toBeUndefined();
  });
});
