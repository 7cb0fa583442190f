import { describe, expect, it } from 'vitest';
import { queueText } from './statusBar.ts';

describe('queueText', () => {
  it('gives the place and the estimate, and says first when the lab is full', () => {
    expect(queueText({ position: 3, etaS: 20, atMost: false, running: 2, capacity: 3, full: false })).toBe('You are 3rd in line; about 20 s.');
    expect(queueText({ position: 1, etaS: 4, atMost: false, running: 1, capacity: 3, full: false })).toBe('You are next in line; about 4 s.');
    expect(queueText({ position: 5, etaS: 130, atMost: false, running: 3, capacity: 3, full: true })).toBe('The lab is full: 3 sandboxes running, you are 5th in line; about 3 min.');
    expect(queueText({ position: 2, etaS: 7200, atMost: true, running: 1, capacity: 1, full: true })).toBe('The lab is full: 1 sandbox running, you are 2nd in line; at most 2 h.');
  });
});
