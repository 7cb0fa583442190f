import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './config.ts';
import { SERVER_NODE_FLAGS } from './nodeFlags.ts';

describe('SERVER_NODE_FLAGS', () => {
  it('are what npm start runs the server with', () => {
    const start: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start;
    const node = start.split('&&').map((s) => s.trim()).find((s) => s.startsWith('node '));
    expect(node, `npm start runs the server with node: ${start}`).toBeDefined();
    expect(node).toBe(`node ${SERVER_NODE_FLAGS.join(' ')} --import tsx server/main.ts`);
  });
});
