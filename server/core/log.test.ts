import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './config.ts';
import { textLine } from './log.ts';

/** What a process logging one info line (and one debug line, below the level) writes to stderr. */
function stderrWith(format: string): string {
  const script = `import { logger } from ${JSON.stringify(path.join(ROOT, 'server/core/log.ts'))};
const log = logger('http').child('admission');
log.info('sandbox ready', { learner: 'L1', sandbox: 'sb1', ms: 2058, err: new Error('boom') });
log.debug('hidden at info');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, SHIPLAB_LOG: 'info', SHIPLAB_LOG_FORMAT: format },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`the child failed: ${r.stderr}`);
  return r.stderr;
}

describe('logger', () => {
  it('writes one JSON object a line in json format, the ids a line is about as fields', () => {
    const lines = stderrWith('json').trim().split('\n');
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(o).toMatchObject({ level: 'info', scope: 'http/admission', msg: 'sandbox ready', learner: 'L1', sandbox: 'sb1', ms: 2058, err: 'boom' });
    expect(Date.parse(String(o.time))).toBeGreaterThan(0);
  });

  it('writes human lines in text format, and JSON when auto and stderr is no terminal', () => {
    expect(stderrWith('text')).toMatch(/^\d\d:\d\d:\d\d\.\d{3} info  \[http\/admission\] sandbox ready learner=L1 sandbox=sb1 ms=2058 err="boom"\n$/);
    expect(JSON.parse(stderrWith('auto').trim())).toMatchObject({ msg: 'sandbox ready' });
    expect(textLine(new Date(0), 'warn', 's', 'm', { a: 'x y', b: undefined })).toBe('00:00:00.000 warn  [s] m a="x y"\n');
  });
});
