import { describe, expect, it } from 'vitest';
import { csvCell, resultsCsv } from './resultsCsv.ts';

describe('resultsCsv', () => {
  it('writes one row per attendee and step with pass time, attempts and hints', () => {
    const csv = resultsCsv(
      [{ lesson: 'reg', step: 0, title: 'Run' }, { lesson: 'reg', step: 1, title: 'Push' }],
      [{ id: 'a1', name: 'Ada "A" L', steps: [
        { learner: 'a1', lesson: 'reg', step: 0, firstPassedAt: Date.UTC(2026, 11, 6, 9), attempts: 2, hints: [{ id: 'no-host', text: 'x', times: 1 }] },
      ] }],
    );
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('"attendee","attendee_id","lesson","step","step_title","passed_at","attempts","hints_seen"');
    expect(lines[1]).toBe('"Ada ""A"" L","a1","reg","1","Run","2026-12-06T09:00:00.000Z","2","no-host×1"');
    expect(lines[2]).toBe('"Ada ""A"" L","a1","reg","2","Push","","0",""');
  });

  it('keeps a typed name from being read as a formula', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell('-1+2')).toBe('"\'-1+2"');
    expect(csvCell('Bob')).toBe('"Bob"');
  });
});
