/**
 * The lab page in Debian's chromium against real sandboxes and the real `welcome` lesson: the
 * terminal, Run buttons, Check with hints, autocheck, question steps, reload into the same shell,
 * the second node's tab, progress across a server restart, and screenshots at two sizes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ROOT } from '../../server/core/config.ts';
import { startLab, type Lab } from '../helpers/lab.ts';
import { screen, typeIn, waitOpen, waitScreen } from '../helpers/labPage.ts';

const RESULTS = path.join(ROOT, 'test-results');
/** A sandbox starts in ~3 s here; a cold engine or a loaded machine gets much longer. */
const READY_TIMEOUT_MS = 120_000;

let lab: Lab;
let page: Page;

beforeAll(async () => {
  fs.mkdirSync(RESULTS, { recursive: true });
  lab = await startLab();
  ({ page } = await lab.page({ width: 1280, height: 720 }));
});

afterAll(async () => {
  const created = [...(lab?.created ?? [])];
  await lab?.close();
  expect(created.filter((id) => lab.sandboxes.get(id))).toEqual([]);
});

describe('lab page (chromium, real sandbox, welcome lesson)', () => {
  it('lists lessons and opens one, starting its sandbox', async () => {
    await page.goto(lab.url + '/');
    await page.click('.card[data-lesson="welcome"] a');
    await page.waitForSelector('.status[data-state="ready"]', { timeout: READY_TIMEOUT_MS });
    await waitOpen(page, 'node1', READY_TIMEOUT_MS);
    expect(await page.textContent('.status')).toMatch(/Sandbox ready · \d+:\d\d(:\d\d)? left/);
  });

  it('shows the hint when Check is pressed on a step not done', async () => {
    await page.click('.step[data-step="0"] button.check');
    await page.waitForSelector('.step[data-step="0"] .result[data-status="not-yet"]');
    const text = await page.textContent('.step[data-step="0"] .result');
    expect(text).toContain('Not yet.');
    expect(text).toContain('There is no container named hello on node1 yet');
    expect(await page.getAttribute('.step[data-step="0"]', 'aria-current')).toBe('step');
  });

  it('runs docker version typed into node1', async () => {
    await typeIn(page, 'node1', 'docker version');
    const s = await waitScreen(page, 'node1', /Server:[\s\S]*Engine/);
    expect(s).toMatch(/Version:\s+\d+\.\d+/);
    await typeIn(page, 'node1', 'clear');
  });

  it('runs a runnable block with its button, and autocheck turns the step green', async () => {
    await page.click('.step[data-step="0"] button.run[data-node="node1"]');
    await waitScreen(page, 'node1', /docker run --name hello busybox echo hello\s*\n(?:[\s\S]*\n)?hello\s*$/m, 60_000);
    // No Check click: the server's autocheck pushes the pass over SSE.
    await page.waitForSelector('.step[data-step="0"].passed', { timeout: 30_000 });
    expect(await page.textContent('.step[data-step="0"] .result')).toContain('checked automatically');
    expect(await page.getAttribute('.step[data-step="1"]', 'aria-current')).toBe('step');
  });

  it('sends a question step\'s answer with Check (keyboard only)', async () => {
    await page.focus('#answer-1');
    await page.keyboard.type('1');
    await page.keyboard.press('Enter'); // submits the step's form
    await page.waitForSelector('.step[data-step="1"].passed', { timeout: 30_000 });
    await page.focus('.step[data-step="2"] button.check');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.step[data-step="2"] .result[data-status="not-yet"]');
    expect(await page.textContent('.step[data-step="2"] .result')).toContain('Hint:');
  });

  it('restores the screen after a reload, in the same shell', async () => {
    await typeIn(page, 'node1', 'echo reload-marker-$$');
    const before = await waitScreen(page, 'node1', /^reload-marker-\d+$/m);
    const pid = /^reload-marker-(\d+)$/m.exec(before)![1]!;
    await page.reload();
    await waitOpen(page, 'node1', 30_000);
    expect(await screen(page, 'node1')).toContain(`reload-marker-${pid}`);
    await typeIn(page, 'node1', 'echo same-shell-$$');
    await waitScreen(page, 'node1', new RegExp(`^same-shell-${pid}$`, 'm'));
    expect(await page.locator('.step[data-step="0"].passed').count()).toBe(1);
  });

  it('opens the remote-docker-engine tab', async () => {
    await page.click('.tab[data-node="remote-docker-engine"]');
    await waitOpen(page, 'remote-docker-engine', 30_000);
    await typeIn(page, 'remote-docker-engine', 'hostname');
    await waitScreen(page, 'remote-docker-engine', /^remote-docker-engine$/m);
    await page.screenshot({ path: path.join(RESULTS, 'lab-1280x720.png') });
  });

  it('follows the dark color scheme', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(200);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(14, 17, 22)');
    await page.screenshot({ path: path.join(RESULTS, 'lab-1280x720-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('stacks lesson and terminal when narrow', async () => {
    await page.setViewportSize({ width: 420, height: 860 });
    await page.waitForTimeout(300);
    const lesson = (await page.locator('.lesson-pane').boundingBox())!;
    const term = (await page.locator('.terminal-pane').boundingBox())!;
    expect(term.y).toBeGreaterThanOrEqual(lesson.y + lesson.height - 1);
    expect(term.width).toBeGreaterThan(380);
    await page.screenshot({ path: path.join(RESULTS, 'lab-narrow-420.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it('keeps progress and the sandbox across a server restart', async () => {
    const sandboxId = (await page.evaluate(() => fetch('/api/sandbox').then((r) => r.json()))) as { id: string };
    await lab.restartServer();
    await page.reload();
    await page.waitForSelector('.status[data-state="ready"]', { timeout: 30_000 });
    await page.waitForSelector('.step[data-step="1"].passed', { timeout: 10_000 });
    expect(await page.locator('.step.passed').count()).toBe(2);
    const after = (await page.evaluate(() => fetch('/api/sandbox').then((r) => r.json()))) as { id: string };
    expect(after.id).toBe(sandboxId.id);
    await waitOpen(page, 'node1', 30_000);
    // The container from before the restart is still there: same sandbox.
    await typeIn(page, 'node1', 'docker ps -a --format "{{.Names}}"');
    await waitScreen(page, 'node1', /^hello$/m);
  });
});
