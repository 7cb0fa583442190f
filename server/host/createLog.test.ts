import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogPaths, loggedCreates, parseCreateLog } from './createLog.ts';

const ID_A = 'a'.repeat(64);
const ID_B = 'b'.repeat(64);

/** One packet as `tcpdump -n -A -tttt` prints it: the header line, then header bytes and payload as text. */
function packet(time: string, from: string, to: string, payload: string): string {
  return `2026-12-06 ${time} IP ${from} > ${to}: Flags [P.], seq 1:70, ack 1, win 502, length ${payload.length}\nE..y..@.@.......\n..GY.P..${payload}\n`;
}

describe('parseCreateLog', () => {
  it('pairs each create request with the 201 that answered it on the same connection', () => {
    const log =
      packet('20:13:13.100000', '10.1.0.2.40000', '10.1.0.3.2375', 'POST /v1.47/containers/create?name=remote-web HTTP/1.1\r\nHost: remote-docker-engine:2375\r\n\r\n{"Image":"nginx"}') +
      // Another connection's create, answered first.
      packet('20:13:13.200000', '10.1.0.2.40002', '10.1.0.3.2375', 'POST /containers/create HTTP/1.1\r\n\r\n{}') +
      packet('20:13:13.300000', '10.1.0.3.2375', '10.1.0.2.40002', `HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n\r\n{"Id":"${ID_B}","Warnings":[]}`) +
      packet('20:13:13.400000', '10.1.0.3.2375', '10.1.0.2.40000', `HTTP/1.1 201 Created\r\n\r\n{"Id":"${ID_A}","Warnings":[]}`);
    const got = parseCreateLog(log);
    expect(got).toEqual([
      { at: new Date('2026-12-06T20:13:13.300').getTime(), fromIp: '10.1.0.2', toIp: '10.1.0.3', id: ID_B },
      { at: new Date('2026-12-06T20:13:13.400').getTime(), fromIp: '10.1.0.2', toIp: '10.1.0.3', id: ID_A, name: 'remote-web' },
    ]);
  });

  it('records nothing for a 201 without a create before it, or a create that failed', () => {
    const log =
      // A network create answers 201 too, but its request is not logged: nothing pending.
      packet('20:00:00.000000', '10.1.0.3.2375', '10.1.0.2.40000', `HTTP/1.1 201 Created\r\n\r\n{"Id":"${ID_A}"}`) +
      // A create that failed (404, not logged) leaves a pending create; the next 201 on that
      // connection must carry an id, and a create answered without one clears it.
      packet('20:00:01.000000', '10.1.0.2.40001', '10.1.0.3.2375', 'POST /v1.47/containers/create?name=x HTTP/1.1\r\n\r\n{}') +
      packet('20:00:02.000000', '10.1.0.3.2375', '10.1.0.2.40001', 'HTTP/1.1 201 Created\r\n\r\n{"Name":"vol"}') +
      packet('20:00:03.000000', '10.1.0.3.2375', '10.1.0.2.40001', `HTTP/1.1 201 Created\r\n\r\n{"Id":"${ID_B}"}`);
    expect(parseCreateLog(log)).toEqual([]);
  });

  it('reads a name given among other parameters, and survives a torn last packet', () => {
    const log =
      packet('21:00:00.000000', '10.2.0.2.50000', '10.2.0.3.2375', 'POST /v1.41/containers/create?platform=linux%2Famd64&name=env-made HTTP/1.1\r\n\r\n{}') +
      packet('21:00:00.500000', '10.2.0.3.2375', '10.2.0.2.50000', `HTTP/1.1 201 Created\r\n\r\n{"Id":"${ID_A}"}`) +
      '2026-12-06 21:00:01.000000 IP 10.2.0.2.50001 > 10.2.0.3.2375: Flags [P.], seq';
    expect(parseCreateLog(log)).toEqual([{ at: new Date('2026-12-06T21:00:00.500').getTime(), fromIp: '10.2.0.2', toIp: '10.2.0.3', id: ID_A, name: 'env-made' }]);
  });
});

describe('loggedCreates', () => {
  it('reads only what was appended since, counts a create once its answer is in, and starts over on a new file', () => {
    const p = createLogPaths(fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-createlog-')));
    fs.mkdirSync(p.dir, { recursive: true });
    const request = packet('20:13:13.100000', '10.1.0.2.40000', '10.1.0.3.2375', 'POST /v1.47/containers/create?name=web HTTP/1.1\r\n\r\n{}');
    const answer = packet('20:13:13.400000', '10.1.0.3.2375', '10.1.0.2.40000', `HTTP/1.1 201 Created\r\n\r\n{"Id":"${ID_A}","Warnings":[]}`);
    const since = new Date('2026-12-06T20:00:00').getTime();
    const got = () => loggedCreates(p, '10.1.0.2', '10.1.0.3', since).map((c) => c.id);
    fs.writeFileSync(p.log, request);
    expect(got()).toEqual([]);
    // The answer's packet arrives torn in two writes: before its id, nothing; after, the create.
    const cut = answer.indexOf('"Id"');
    fs.appendFileSync(p.log, answer.slice(0, cut));
    expect(got()).toEqual([]);
    fs.appendFileSync(p.log, answer.slice(cut));
    expect(got()).toEqual([ID_A]);
    // A later packet closes it: still once.
    fs.appendFileSync(p.log, packet('20:13:14.000000', '10.1.0.2.40001', '10.1.0.3.2375', 'GET /v1.47/containers/json HTTP/1.1'));
    expect(got()).toEqual([ID_A]);
    // Rotated: the old file is read as it is, the new one from its start.
    fs.renameSync(p.log, p.old);
    const again = (s: string) => s.replace('10.1.0.2.40000', '10.1.0.2.40009');
    fs.writeFileSync(p.log, again(request) + again(answer).replace(ID_A, ID_B));
    expect(got()).toEqual([ID_A, ID_B]);
    fs.rmSync(p.dir, { recursive: true, force: true });
  });
});
