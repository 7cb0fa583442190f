import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLessons } from '../../lessons/format.ts';
import { caseOrder, casesOf, planLesson, slug } from './plan.ts';

describe('planLesson', () => {
  it('plans the solution run first, then one run per attempt', async () => {
    const [lesson] = await loadLessons(path.join(import.meta.dirname, '..', '..', 'lessons', 'fixtures', 'good'));
    const runs = planLesson(lesson!);
    expect(runs.map((r) => r.name)).toEqual(['solution', 'step01-forgot-d-and-the-name', 'step01-wrong-image-on-the-remote-engine-too', 'step02-the-container-s-own-pid-1']);
    expect(casesOf(runs[0]!)).toEqual([
      'step 1 "Run a container": fails before its solution',
      'step 1 "Run a container": passes after its solution',
      'step 2 "Its PID": fails before its solution',
      'step 2 "Its PID": passes after its solution',
    ]);
    expect(casesOf(runs[1]!)).toEqual(['step 1 "Run a container": attempt "forgot -d and the name" fails with hint not-running']);
    expect(caseOrder(lesson!)).toHaveLength(7);
  });

  it('slugs names for file names', () => {
    expect(slug('Pushed to Docker Hub (instead)!')).toBe('pushed-to-docker-hub-instead');
    expect(slug('***')).toBe('x');
  });
});
