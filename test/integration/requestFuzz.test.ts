/**
 * No request can stop the server (issue 9, part 1). A real lab, with a learner whose sandbox is
 * ready and whose terminal is open, takes a few thousand cases on raw sockets
 * (test/helpers/requestFuzz.ts): malformed request lines, bad percent-escapes and overlong values
 * in every route (the terminal route as an upgrade too), oversized and binary headers, bad
 * bodies, broken upgrades, mutated requests and random bytes. Afterwards the same server still
 * answers, the terminal still runs commands, no handler logged an unexpected error, no answer
 * was a 5xx, and no socket, terminal or sandbox is left over.
 *
 * SHIPLAB_FUZZ_SEED=n replays a run exactly; SHIPLAB_FUZZ_CASES=n sets its size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../server/common/api.ts';
import type { Logger } from '../../server/core/log.ts';
import type { LabServer } from '../../server/app/labApp.ts';
import { LabClient } from '../../server/robot/labClient.ts';
import { TermClient } from '../../server/robot/termClient.ts';
import { startLab, type Lab } from '../helpers/lab.ts';
import { fuzzCases, send, type FuzzCase } from '../helpers/requestFuzz.ts';

const SEED = Number(process.env.SHIPLAB_FUZZ_SEED ?? 20261204);
const CASES = Number(process.env.SHIPLAB_FUZZ_CASES ?? 4000);
/** Connections at once: the run takes seconds, not minutes, and stays far from the fd limit. */
const CONCURRENCY = 32;
/** An incomplete request waits this long for an answer, then counts as "silent" (the server waits
 * for the rest, as it should, until its own headers timeout). */
const CASE_TIMEOUT_MS = 500;
/** The whole run is bounded (measured: 3-4 s for 4000 cases on 2 cores). */
const RUN_LIMIT_MS = 120_000;
/** Sockets the server still holds from the run close within this once the clients are gone. */
const SETTLE_MS = 10_000;

/** What the run answered: status → cases, per kind. 0: closed without an answer; -1: silent. */
type Tally = Map<string, Map<number, number>>;

const tcpHandles = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
const show = (c: FuzzCase) => JSON.stringify(Buffer.concat(c.chunks).toString('latin1').slice(0, 300));

let lab: Lab;
let server: LabServer;
let learner: LabClient;
let term: TermClient;
const unexpected: string[] = [];

beforeAll(async () => {
  // Warnings and errors only; an error line is what the guards log for the unexpected.
  const log: Logger = {
    debug() {},
    info() {},
    warn: (m, d) => console.warn(m, d),
    error: (m, d) => void unexpected.push(`${m} ${JSON.stringify(d)}`),
    child: () => log,
  };
  lab = await startLab({ log });
  server = lab.server;
  learner = await LabClient.open(lab.url);
  await learner.startSandbox('welcome');
  term = await TermClient.connect(learner, 'node1');
});

afterAll(async () => {
  term?.close();
  const created = [...(lab?.created ?? [])];
  await lab?.close();
  expect(created.filter((id) => lab.sandboxes.get(id))).toEqual([]);
});

describe('the HTTP edge under malformed input', () => {
  it(`answers ${CASES} malformed, oversized, binary and random requests without stopping, failing or leaking`, async () => {
    const port = Number(new URL(lab.url).port);
    const sandboxesBefore = lab.sandboxes.list().map((s) => s.id).sort();
    const terminalsBefore = server.terminals.stats().map((s) => `${s.sandboxId}/${s.node}`);
    expect(terminalsBefore).toHaveLength(1);
    const handlesBefore = tcpHandles();
    const cases = fuzzCases(SEED, CASES, { host: `127.0.0.1:${port}`, cookie: learner.cookie });

    const tally: Tally = new Map();
    const failures: string[] = [];
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < cases.length && performance.now() - t0 < RUN_LIMIT_MS) {
          const i = next++;
          const c = cases[i]!;
          const { status } = await send(port, c, CASE_TIMEOUT_MS);
          const byStatus = tally.get(c.kind) ?? new Map<number, number>();
          byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
          tally.set(c.kind, byStatus);
          if (status >= 500) failures.push(`seed ${SEED} case ${i} (${c.kind}) → ${status}: ${show(c)}`);
        }
      }),
    );
    const runMs = performance.now() - t0;
    console.log(
      `request fuzz: ${next} cases, seed ${SEED}, ${Math.round(runMs)} ms\n` +
        [...tally].sort().map(([kind, s]) => `  ${kind.padEnd(13)} ${[...s].sort((a, b) => a[0] - b[0]).map(([st, n]) => `${st}×${n}`).join(' ')}`).join('\n'),
    );

    expect(next).toBe(cases.length); // every case ran within RUN_LIMIT_MS
    expect(failures).toEqual([]);
    expect(unexpected).toEqual([]);

    // The same server (no restart) answers, over HTTP and on the open terminal.
    expect(lab.server).toBe(server);
    expect((await fetch(lab.url + routes.lessons.path())).status).toBe(200);
    expect(await term.run('echo still-$((6*7))')).toBe('still-42');
    // Nothing left over: the same sandbox and terminal, and the run's sockets closed.
    expect(lab.sandboxes.list().map((s) => s.id).sort()).toEqual(sandboxesBefore);
    expect(server.terminals.stats().map((s) => `${s.sandboxId}/${s.node}`)).toEqual(terminalsBefore);
    const settled = performance.now() + SETTLE_MS;
    while (tcpHandles() > handlesBefore && performance.now() < settled) await new Promise((r) => setTimeout(r, 100));
    expect(tcpHandles()).toBeLessThanOrEqual(handlesBefore);
  });
});
