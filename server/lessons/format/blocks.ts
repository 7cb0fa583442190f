/**
 * Fenced code blocks in step Markdown. A block whose info string names a node after `@`
 * (```bash @node1) is runnable: it is part of the step's solution and the UI gives it a run
 * button. render.ts and the loader share this one reading of info strings.
 */
import { Marked, type Tokens } from 'marked';
import { isNodeName, type NodeName } from '../../common/api.ts';

export interface BlockInfo {
  /** The language word (bash, sh, yaml …), if any. */
  language?: string;
  /** The raw `@name` when there is one, valid or not. */
  nodeName?: string;
  /** Set when `nodeName` is a known node. */
  node?: NodeName;
}

export function parseInfo(info: string | undefined): BlockInfo {
  const words = (info ?? '').trim().split(/\s+/).filter(Boolean);
  const at = words.find((w) => w.startsWith('@'));
  const language = words.find((w) => !w.startsWith('@'));
  const nodeName = at?.slice(1);
  return {
    ...(language !== undefined && { language }),
    ...(nodeName !== undefined && { nodeName }),
    ...(nodeName !== undefined && isNodeName(nodeName) && { node: nodeName }),
  };
}

export interface FoundBlock {
  info: BlockInfo;
  code: string;
  /** 1-based line of the opening fence, counted from the body's first line. */
  line: number;
}

/** Lexer only; no extensions, so it sees exactly what render.ts renders. */
const lexer = new Marked({ gfm: true });

/** Every fenced block of `markdown` with an `@` in its info string, in document order. */
export function findTaggedBlocks(markdown: string): FoundBlock[] {
  const lines = markdown.split(/\r?\n/);
  const found: FoundBlock[] = [];
  let cursor = 0;
  lexer.walkTokens(lexer.lexer(markdown), (token) => {
    if (token.type !== 'code') return;
    const code = token as Tokens.Code;
    if (code.codeBlockStyle === 'indented') return;
    // The fence line as written; nested blocks (in lists) are indented in the source.
    const fence = code.raw.split('\n')[0]?.trim() ?? '';
    let at = lines.findIndex((l, i) => i >= cursor && l.includes(fence));
    if (at < 0) at = cursor;
    cursor = at + 1;
    const info = parseInfo(code.lang);
    if (info.nodeName === undefined) return;
    found.push({ info, code: code.text, line: at + 1 });
  });
  return found;
}
