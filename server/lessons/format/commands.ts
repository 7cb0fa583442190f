/**
 * Command lists (attempts' `commands`, the check CLI's --commands file): one line per command,
 * typed into node1 unless prefixed with another node's prompt, `remote-docker-engine$ cmd`.
 */
import { isNodeName, NODE_NAMES } from '../../common/api.ts';
import type { CommandLine } from '../model.ts';

const PROMPT = /^([A-Za-z0-9][\w.-]*)\$ (.*)$/;

export interface ParsedCommands {
  lines: CommandLine[];
  /** Problems, with the 0-based index of the line they are on. */
  problems: { index: number; message: string }[];
}

export function parseCommands(text: string): ParsedCommands {
  const lines: CommandLine[] = [];
  const problems: ParsedCommands['problems'] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '') return;
    const m = PROMPT.exec(raw);
    if (m && m[1] !== undefined && m[2] !== undefined) {
      const name = m[1];
      if (isNodeName(name)) lines.push({ node: name, text: m[2] });
      else problems.push({ index, message: `"${name}$ " names an unknown node (known: ${NODE_NAMES.join(', ')})` });
      return;
    }
    lines.push({ node: 'node1', text: raw });
  });
  return { lines, problems };
}
