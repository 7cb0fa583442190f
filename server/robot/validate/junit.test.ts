import { describe, expect, it } from 'vitest';
import { junitXml } from './junit.ts';

describe('junitXml', () => {
  it('writes suites per lesson with failures, skips and escaped text', () => {
    const xml = junitXml([
      { lesson: 'welcome', name: 'step 1 "Hello": passes', outcome: 'ok', durationMs: 1200, cast: 'casts/welcome-solution.cast' },
      { lesson: 'welcome', name: 'step 2 <b>', outcome: 'fail', durationMs: 15_000, expected: 'passed', found: 'not-yet, hint no-host & more', cast: 'casts/welcome-solution.cast' },
      { lesson: 'registry', name: 'step 3', outcome: 'skipped', durationMs: 0, message: 'step 2 did not pass' },
    ]);
    expect(xml).toContain('<testsuites name="lessons" tests="3" failures="1" skipped="1" time="16.200">');
    expect(xml).toContain('<testsuite name="welcome" tests="2" failures="1" skipped="0" time="16.200">');
    expect(xml).toContain('<testcase classname="welcome" name="step 1 &quot;Hello&quot;: passes" time="1.200">');
    expect(xml).toContain('<failure message="expected: passed">expected: passed\nfound: not-yet, hint no-host &amp; more</failure>');
    expect(xml).toContain('name="step 2 &lt;b&gt;"');
    expect(xml).toContain('<skipped message="step 2 did not pass"/>');
    expect(xml).toContain('<system-out>recording: casts/welcome-solution.cast</system-out>');
  });

  it('keeps control characters out of the XML', () => {
    const xml = junitXml([{ lesson: 'x', name: 'y', outcome: 'fail', durationMs: 0, message: 'screen: \x1b[31mred\x07' }]);
    expect(xml).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
    expect(xml).toContain('\\x1b[31mred\\x07');
  });
});
