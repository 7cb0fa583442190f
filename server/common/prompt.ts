/**
 * The one prompt rule: when a terminal's shell is waiting for a line. Written once for both
 * terminal screens that type lines: the robot's TermClient (server/robot/termClient.ts, its own
 * headless screen fed over the WebSocket) and the server's typist (server/terminal/typist.ts, the
 * session's headless mirror). Pure: the caller reads its screen and clock.
 */

/**
 * A prompt at the cursor: bash's `root@node1:~# ` or `$ `, a continuation `> `, or a shell in a
 * container (`/ # `). Matched against the text left of the cursor only, so what a learner has
 * typed after a prompt does not count as one.
 */
export const PROMPT_AT_CURSOR = /[#$>] $/;

/** The shell has printed the prompt when output stopped for this long (ms) with the cursor after
 * one. Long enough to cover the gap between bash's prompt and a late line from a background job. */
export const PROMPT_QUIET_MS = 150;

/** True when `cursorLine` (the text left of the cursor on its row) ends like a prompt. */
export function looksLikePrompt(cursorLine: string): boolean {
  return PROMPT_AT_CURSOR.test(cursorLine);
}

/** What the rule reads from a screen. */
export interface PromptScreen {
  /** The screen has parsed everything written to it so far. */
  readonly parsed: boolean;
  /** Milliseconds since output last arrived. */
  readonly quietForMs: number;
  /** The text left of the cursor on its row; called only when the rest already holds. */
  cursorLine(): string;
}

/**
 * The shell waits at a prompt: the screen has parsed everything, output has been quiet for
 * PROMPT_QUIET_MS (a prompt is the last thing a shell prints before it waits), and the text left
 * of the cursor ends like a prompt.
 */
export function atPrompt(screen: PromptScreen): boolean {
  return screen.parsed && screen.quietForMs >= PROMPT_QUIET_MS && looksLikePrompt(screen.cursorLine());
}
