import { describe, expect, it } from 'vitest';
import { atPrompt, looksLikePrompt, PROMPT_QUIET_MS } from './prompt.ts';

describe('the prompt rule', () => {
  it('knows a prompt by the text left of the cursor', () => {
    for (const p of ['root@node1:~# ', '$ ', '> ', '/ # ']) expect(looksLikePrompt(p)).toBe(true);
    // Typed after a prompt, a prompt without its space, or no prompt at all.
    for (const p of ['root@node1:~# ls', 'root@node1:~#', 'Downloading 42%', '']) expect(looksLikePrompt(p)).toBe(false);
  });

  it('needs the screen parsed and the output quiet for PROMPT_QUIET_MS', () => {
    const line = () => 'root@node1:~# ';
    expect(atPrompt({ parsed: true, quietForMs: PROMPT_QUIET_MS, cursorLine: line })).toBe(true);
    expect(atPrompt({ parsed: false, quietForMs: PROMPT_QUIET_MS, cursorLine: line })).toBe(false);
    expect(atPrompt({ parsed: true, quietForMs: PROMPT_QUIET_MS - 1, cursorLine: line })).toBe(false);
    expect(atPrompt({ parsed: true, quietForMs: 10_000, cursorLine: () => 'root@node1:~# ls' })).toBe(false);
  });

  it('reads the cursor line only when the rest holds', () => {
    let reads = 0;
    const line = () => {
      reads++;
      return '$ ';
    };
    atPrompt({ parsed: false, quietForMs: 10_000, cursorLine: line });
    atPrompt({ parsed: true, quietForMs: 0, cursorLine: line });
    expect(reads).toBe(0);
  });
});
