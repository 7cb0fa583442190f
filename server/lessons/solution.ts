/** A step's own solution: its runnable blocks, line by line, each on its block's node. */
import type { CommandLine, Step } from './model.ts';

export function solutionLines(step: Step): CommandLine[] {
  return step.blocks.flatMap((b) => b.code.split('\n').map((text) => ({ node: b.node, text })));
}
