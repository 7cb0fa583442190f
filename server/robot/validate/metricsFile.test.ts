import { describe, expect, it } from 'vitest';
import { validationMetrics } from './metricsFile.ts';

describe('validationMetrics', () => {
  it('counts cases by lesson and outcome and adds up their time', async () => {
    const text = await validationMetrics({
      cases: [
        { lesson: 'welcome', name: 'step 1', outcome: 'ok', durationMs: 1500 },
        { lesson: 'welcome', name: 'step 1 › forgot --name', outcome: 'fail', durationMs: 500, message: 'hint was no-container' },
        { lesson: 'remote-engine', name: 'step 1', outcome: 'skipped', durationMs: 0 },
      ],
      durationMs: 12_000,
      exitCode: 1,
      endedAt: 1_765_000_000_000,
    });
    expect(text).toContain('shiplab_validation_cases{lesson="welcome",outcome="ok"} 1');
    expect(text).toContain('shiplab_validation_cases{lesson="welcome",outcome="fail"} 1');
    expect(text).toContain('shiplab_validation_cases{lesson="welcome",outcome="skipped"} 0');
    expect(text).toContain('shiplab_validation_cases{lesson="remote-engine",outcome="skipped"} 1');
    expect(text).toContain('shiplab_validation_lesson_seconds{lesson="welcome"} 2');
    expect(text).toContain('shiplab_validation_duration_seconds 12');
    expect(text).toContain('shiplab_validation_exit_code 1');
    expect(text).toContain('shiplab_validation_last_run_timestamp_seconds 1765000000');
  });
});
