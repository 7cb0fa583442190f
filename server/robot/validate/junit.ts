/** JUnit XML for CI test reports: one testsuite per lesson, one testcase per validation case. */

export interface CaseResult {
  lesson: string;
  name: string;
  outcome: 'ok' | 'fail' | 'skipped';
  durationMs: number;
  /** For failures: what was wanted and what happened, one line each. */
  expected?: string;
  found?: string;
  /** For failures and skips: why. */
  message?: string;
  /** The recording of the run this case belongs to, relative to the output folder. */
  cast?: string;
}

function esc(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function failureText(c: CaseResult): string {
  return [c.message, c.expected !== undefined ? `expected: ${c.expected}` : undefined, c.found !== undefined ? `found: ${c.found}` : undefined]
    .filter(Boolean).join('\n');
}

export function junitXml(cases: CaseResult[], suiteName = 'lessons'): string {
  const byLesson = new Map<string, CaseResult[]>();
  for (const c of cases) byLesson.set(c.lesson, [...(byLesson.get(c.lesson) ?? []), c]);
  const count = (list: CaseResult[], o: CaseResult['outcome']) => list.filter((c) => c.outcome === o).length;
  const total = (list: CaseResult[]) => list.reduce((s, c) => s + c.durationMs, 0);
  const out = [`<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${esc(suiteName)}" tests="${cases.length}" failures="${count(cases, 'fail')}" skipped="${count(cases, 'skipped')}" time="${seconds(total(cases))}">`];
  for (const [lesson, list] of byLesson) {
    out.push(`  <testsuite name="${esc(lesson)}" tests="${list.length}" failures="${count(list, 'fail')}" skipped="${count(list, 'skipped')}" time="${seconds(total(list))}">`);
    for (const c of list) {
      const open = `    <testcase classname="${esc(lesson)}" name="${esc(c.name)}" time="${seconds(c.durationMs)}"`;
      const cast = c.cast ? `      <system-out>${esc(`recording: ${c.cast}`)}</system-out>\n` : '';
      if (c.outcome === 'ok' && !cast) out.push(`${open}/>`);
      else if (c.outcome === 'ok') out.push(`${open}>\n${cast}    </testcase>`);
      else if (c.outcome === 'skipped') out.push(`${open}>\n      <skipped message="${esc(c.message ?? '')}"/>\n${cast}    </testcase>`);
      else {
        const text = failureText(c);
        out.push(`${open}>\n      <failure message="${esc(text.split('\n')[0] ?? '')}">${esc(text)}</failure>\n${cast}    </testcase>`);
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
