/**
 * Reading and typing into the lab page's terminals from playwright, shared by the e2e tests and
 * the terminal bench so that all of them wait for a shell the same way.
 */
import type { Page } from 'playwright-core';

/** The part of a TerminalView (web/terminalView.ts) reached through window.__shiplab. A caller
 * reading more of it widens V, e.g. `Hooks<ViewHook & { renderer: string }>`. */
export interface ViewHook {
  node: string;
  screenText(): string;
}
export type Hooks<V extends ViewHook = ViewHook> = { __shiplab?: { terminals: { views(): V[] } } };

/** bash's prompt on a node, cursor at its end: the shell is waiting for a command. */
export const PROMPT = /root@[\w-]+:~# ?$/m;

/** The visible text of a node's terminal ('' while it has no view), read from xterm's buffer:
 * the WebGL renderer draws to a canvas, so the DOM has no text. Reads through views() rather than
 * view(node), which would create the view. */
export function screen(page: Page, node: string): Promise<string> {
  return page.evaluate((n) => (window as unknown as Hooks).__shiplab?.terminals.views().find((v) => v.node === n)?.screenText() ?? '', node);
}

/** Polls `node`'s screen until it matches; returns that screen. `pollMs` is how late a match may
 * be seen, which matters where the wait is timed (the bench's throughput). */
export async function waitScreen(page: Page, node: string, pattern: RegExp, timeoutMs = 30_000, pollMs = 100): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await screen(page, node);
    if (pattern.test(s)) return s;
    if (Date.now() > deadline) throw new Error(`${node} never showed ${pattern}; it shows:\n${s}`);
    await page.waitForTimeout(pollMs);
  }
}

/** Waits for `node`'s terminal to connect (up to `timeoutMs`: a sandbox may still be starting),
 * then for its prompt: "open" comes before bash has printed anything. */
export async function waitOpen(page: Page, node: string, timeoutMs: number): Promise<void> {
  await page.waitForSelector(`.terminal[data-node="${node}"][data-state="open"]`, { timeout: timeoutMs });
  await waitScreen(page, node, PROMPT);
}

/** Types `line` into `node`'s terminal and presses Enter; the click gives xterm the focus. */
export async function typeIn(page: Page, node: string, line: string): Promise<void> {
  await page.click(`.terminal[data-node="${node}"] .xterm-host`);
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** Polls `probe` until it returns something truthy, and returns that. It needs no page, so it
 * also serves conditions on the server or across several pages. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
