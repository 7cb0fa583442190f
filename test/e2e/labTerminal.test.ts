/**
 * The lab page's terminals as a learner sees them, in Debian's chromium against real sandboxes
 * and the real `welcome` lesson: a Run button for a node whose tab was never opened (the command
 * waits for that shell and runs there once), and underscores drawn on screen by both renderers
 * (read from a screenshot's pixels, not from xterm's buffer, which always had them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startLab, type Lab } from '../helpers/lab.ts';
import { screen, typeIn, waitOpen, waitScreen, type Hooks, type ViewHook } from '../helpers/labPage.ts';

/** A sandbox starts in ~3 s here; a cold engine or a loaded machine gets much longer. */
const READY_TIMEOUT_MS = 120_000;
/** The first remote-docker-engine block of welcome step 3 ("A second Docker host"). */
const REMOTE_STEP = 2;
const REMOTE_COMMAND = 'docker run -d --name web nginx';

let lab: Lab;
let page: Page;

beforeAll(async () => {
  lab = await startLab();
  ({ page } = await lab.page({ width: 1280, height: 720 }));
});

afterAll(async () => {
  const created = [...(lab?.created ?? [])];
  await lab?.close();
  expect(created.filter((id) => lab.sandboxes.get(id))).toEqual([]);
});

/** What cellInk reads of a TerminalView (web/terminalView.ts) beyond the shared hook. */
interface TermViewHook extends ViewHook {
  renderer: string;
  term: {
    cols: number;
    rows: number;
    buffer: { active: { viewportY: number; getLine(y: number): { translateToString(trimRight: boolean): string } | undefined } };
  };
}

/** How many times `line` ran in `node`'s shell, from bash's history (the `[x]` keeps the counting
 * command from counting itself). */
async function timesRun(node: string, line: string): Promise<number> {
  const marker = `count-${node}-${Date.now()}`;
  await typeIn(page, node, `echo ${marker}=$(history | grep -c -- '[${line[0]}]${line.slice(1)}$')`);
  const s = await waitScreen(page, node, new RegExp(`^${marker}=(\\d+)$`, 'm'));
  return Number(new RegExp(`^${marker}=(\\d+)$`, 'm').exec(s)![1]);
}

/** Ink in one cell of a node's terminal: pixels of the screen's screenshot, inside the cell (one
 * pixel in from its left and right edges, so a neighbour's antialiasing does not count), that
 * differ clearly from the row's background. */
interface CellInk {
  renderer: string;
  cellHeight: number;
  /** Ink per cell, [row text][column]. */
  ink: Record<string, number[]>;
}

/** Screenshots `node`'s screen (playwright element screenshot), decodes the PNG in the page
 * (createImageBitmap: no data: URL for the page's CSP to refuse, no npm decoder) and counts ink
 * in the first `cols` cells of each visible row whose text is one of `texts`. */
async function cellInk(node: string, texts: string[], cols: number): Promise<CellInk> {
  const sel = `.terminal[data-node="${node}"] .xterm-screen`;
  const g = await page.evaluate(
    ({ node, sel }) => {
      const v = (window as unknown as Hooks<TermViewHook>).__shiplab!.terminals.views().find((x) => x.node === node)!;
      const r = document.querySelector(sel)!.getBoundingClientRect();
      const b = v.term.buffer.active;
      const rows: string[] = [];
      for (let y = 0; y < v.term.rows; y++) rows.push(b.getLine(b.viewportY + y)?.translateToString(true) ?? '');
      return { renderer: v.renderer, cols: v.term.cols, nrows: v.term.rows, width: r.width, height: r.height, rows };
    },
    { node, sel },
  );
  const png = await page.locator(sel).screenshot({ animations: 'disabled', caret: 'hide' });
  const img = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d')!;
    ctx.drawImage(bmp, 0, 0);
    const d = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
    let s = '';
    for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
    return { w: bmp.width, h: bmp.height, rgba: btoa(s) };
  }, png.toString('base64'));
  const data = Buffer.from(img.rgba, 'base64');
  // The screenshot is taken at device scale 1: one CSS pixel per image pixel.
  expect(Math.abs(img.w - g.width)).toBeLessThanOrEqual(1);
  const cw = g.width / g.cols;
  const ch = g.height / g.nrows;
  const px = (x: number, y: number) => data.subarray((y * img.w + x) * 4, (y * img.w + x) * 4 + 3);
  const ink: Record<string, number[]> = {};
  for (const text of texts) {
    const row = g.rows.indexOf(text);
    expect(row, `a row showing "${text}" in:\n${g.rows.join('\n')}`).toBeGreaterThanOrEqual(0);
    // The background: the middle of the row's second-to-last cell, empty on these short rows.
    const bg = px(Math.floor((g.cols - 2) * cw), Math.floor((row + 0.5) * ch));
    ink[text] = [];
    for (let col = 0; col < cols; col++) {
      let n = 0;
      for (let y = Math.floor(row * ch); y < Math.floor((row + 1) * ch); y++) {
        for (let x = Math.ceil(col * cw) + 1; x < Math.floor((col + 1) * cw) - 1; x++) {
          const p = px(x, y);
          if (Math.max(Math.abs(p[0]! - bg[0]!), Math.abs(p[1]! - bg[1]!), Math.abs(p[2]! - bg[2]!)) > 64) n++;
        }
      }
      ink[text].push(n);
    }
  }
  return { renderer: g.renderer, cellHeight: ch, ink };
}

describe('lab terminals (chromium, real sandbox, welcome lesson)', () => {
  it('runs a remote-docker-engine block clicked before its tab was ever opened, there and exactly once', async () => {
    await page.goto(lab.url + '/#/lesson/welcome');
    await page.waitForSelector('.status[data-state="ready"]', { timeout: READY_TIMEOUT_MS });
    await waitOpen(page, 'node1', READY_TIMEOUT_MS);
    // A fresh page: remote-docker-engine has no terminal yet, nor a shell on the server.
    expect(await page.locator('.terminal[data-node="remote-docker-engine"]').count()).toBe(0);

    await page.click(`.step[data-step="${REMOTE_STEP}"] button.run[data-node="remote-docker-engine"] >> nth=0`);
    expect(await page.getAttribute('.tab[data-node="remote-docker-engine"]', 'aria-selected')).toBe('true');
    // Docker prints the new container's id after the command line.
    const s = await waitScreen(page, 'remote-docker-engine', /^[0-9a-f]{64}$/m, 90_000);
    // Typed once, after the prompt (not echoed early by a shell still starting, then again).
    expect(s.split(REMOTE_COMMAND).length - 1, s).toBe(1);
    expect(s).toMatch(new RegExp(`root@remote-docker-engine:~# ${REMOTE_COMMAND}$`, 'm'));
    await waitScreen(page, 'remote-docker-engine', /root@remote-docker-engine:~# ?$/m);
    expect(await timesRun('remote-docker-engine', REMOTE_COMMAND)).toBe(1);

    // The engines agree: web runs on remote-docker-engine, and nothing ran on node1.
    const { id } = (await page.evaluate(() => fetch('/api/sandbox').then((r) => r.json()))) as { id: string };
    const names = async (node: 'node1' | 'remote-docker-engine') =>
      (await lab.sandboxes.exec(id, node, ['docker', 'ps', '-a', '--format', '{{.Names}} {{.Image}}'])).stdout.trim().split('\n').filter(Boolean);
    expect(await names('remote-docker-engine')).toEqual(['web nginx']);
    expect(await names('node1')).toEqual([]);
    expect(await screen(page, 'node1')).not.toContain(REMOTE_COMMAND);
    await page.click('.tab[data-node="node1"]');
    expect(await timesRun('node1', REMOTE_COMMAND)).toBe(0);
  });

  for (const renderer of ['dom', 'webgl'] as const) {
    it(`draws underscores (${renderer} renderer): a_b has ink under the middle cell, a b has none`, async () => {
      await page.goto(`${lab.url}/?renderer=${renderer}#/lesson/welcome`);
      await page.waitForSelector('.status[data-state="ready"]', { timeout: READY_TIMEOUT_MS });
      await waitOpen(page, 'node1', 30_000);
      await typeIn(page, 'node1', `clear; printf '%s\\n' a_b 'a b' under_score`);
      await waitScreen(page, 'node1', /^a b\nunder_score\nroot@node1:~# ?$/m);
      // Let the DOM renderer's row updates and WebGL's frame land (and the cursor stop moving).
      await page.waitForTimeout(300);
      const got = await cellInk('node1', ['a_b', 'a b'], 3);
      console.log(`${renderer}: cell height ${got.cellHeight} px; ink per cell a_b ${got.ink['a_b']!.join('/')}, a b ${got.ink['a b']!.join('/')}`);
      expect(got.renderer).toBe(renderer);
      const [a1, under, b1] = got.ink['a_b']!;
      const [a2, space, b2] = got.ink['a b']!;
      // Same letters, same ink: the rows were found and read alike.
      expect(a1).toBeGreaterThan(5);
      expect(a1).toBe(a2);
      expect(b1).toBe(b2);
      // The underscore is a line of pixels across its cell; the space is nothing.
      expect(space).toBe(0);
      expect(under).toBeGreaterThanOrEqual(4);
    });
  }
});
