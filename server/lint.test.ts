/**
 * The import rules of eslint.config.js fire: lints made-up files at made-up paths with ESLint's
 * own API (the files need not exist) and looks only at `no-restricted-imports`.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

/** server/'s layers, bottom-up, as the issue states them; eslint.config.js must agree. */
const LAYERS = ['common', 'core', 'store', 'host', 'engine', 'images', 'sandbox', 'terminal', 'lessons', 'learners', 'workshops', 'http', 'app', 'robot', 'cli', 'main.ts'];
const fileIn = (layer: string) => (layer.endsWith('.ts') ? `server/${layer}` : `server/${layer}/x.ts`);
/** How a file directly in server/<from>/ names layer `to`. */
const specifier = (from: string, to: string) => {
  const up = from.endsWith('.ts') ? './' : '../';
  return to.endsWith('.ts') ? `${up}${to}` : `${up}${to}/y.ts`;
};

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The `no-restricted-imports` messages for `code` as if it were the file at `file`. */
async function refused(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  expect(result?.messages.filter((m) => m.fatal)).toEqual([]);
  expect(result?.messages.some((m) => m.message.includes('ignored'))).toBe(false);
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layers', () => {
  it('refuses an upward import from server/sandbox to ../http/x.ts', async () => {
    const [message, ...rest] = await refused('server/sandbox/manager.ts', "import { x } from '../http/x.ts';\nexport { x };\n");
    expect(rest).toEqual([]);
    expect(message).toContain('server/sandbox/ may not import server/http/');
  });

  it('refuses it however the specifier reaches the layer', async () => {
    expect(await refused('server/sandbox/deep/x.ts', "import '../../server/http/x.ts';\n")).toHaveLength(1);
    expect(await refused('server/sandbox/deep/x.ts', "import '../../http/x.ts';\n")).toHaveLength(1);
    expect(await refused('server/sandbox/x.ts', "import type { X } from '../http/x.ts';\nexport type { X };\n")).toHaveLength(1);
    expect(await refused('server/sandbox/x.ts', "export { x } from '../http/x.ts';\n")).toHaveLength(1);
    expect(await refused('server/sandbox/x.ts', "export * from '../http/x.ts';\n")).toHaveLength(1);
    expect(await refused('server/sandbox/x.test.ts', "import '../http/x.ts';\n")).toHaveLength(1);
  });

  it('allows a downward import and one within the layer', async () => {
    expect(await refused('server/http/labServer.ts', "import '../sandbox/manager.ts';\nimport '../common/api.ts';\nimport './httpIo.ts';\n")).toEqual([]);
    expect(await refused('server/lessons/format/schema.ts', "import '../../common/api.ts';\nimport '../model.ts';\n")).toEqual([]);
    expect(await refused('server/sandbox/x.ts', "import Docker from 'dockerode';\nimport fs from 'node:fs';\n")).toEqual([]);
  });

  it('holds for every pair of layers, in the order the issue gives', async () => {
    const wrong: string[] = [];
    for (const [i, from] of LAYERS.entries()) {
      for (const [j, to] of LAYERS.entries()) {
        if (from.endsWith('.ts') && to.endsWith('.ts')) continue;
        const spec = specifier(from, to);
        const n = (await refused(fileIn(from), `import '${spec}';\n`)).length;
        if (n !== (j > i ? 1 : 0)) wrong.push(`${fileIn(from)} → ${spec}: ${n} error(s)`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('web/', () => {
  it('refuses Node built-ins, bare and node:*', async () => {
    expect(await refused('web/main.ts', "import fs from 'node:fs';\nexport { fs };\n")).toHaveLength(1);
    expect(await refused('web/main.ts', "import { readFile } from 'fs/promises';\nexport { readFile };\n")).toHaveLength(1);
    expect(await refused('web/main.ts', "import 'events';\n")).toHaveLength(1);
  });

  it('refuses server code other than server/common', async () => {
    const [message] = await refused('web/main.ts', "import { logger } from '../server/core/log.ts';\nexport { logger };\n");
    expect(message).toContain('server/common/');
    expect(await refused('web/main.ts', "import '../server/http/labServer.ts';\n")).toHaveLength(1);
    expect(await refused('web/main.ts', "import { FRAME } from '../server/common/frames.ts';\nimport { Terminal } from '@xterm/xterm';\nexport { FRAME, Terminal };\n")).toEqual([]);
  });
});

describe('server/common', () => {
  it('refuses Node built-ins and the rest of server/', async () => {
    expect(await refused('server/common/x.ts', "import 'node:path';\n")).toHaveLength(1);
    expect(await refused('server/common/x.ts', "import 'path';\n")).toHaveLength(1);
    expect(await refused('server/common/x.ts', "import '../core/log.ts';\n")).toHaveLength(1);
    expect(await refused('server/common/x.ts', "import './frames.ts';\n")).toEqual([]);
  });
});

describe('lessons/, bench/ and test/', () => {
  it('lets the course use #check and nothing above server/lessons', async () => {
    expect(await refused('lessons/some-lesson/01-a.check.ts', "import { defineCheck } from '#check';\nexport default defineCheck;\n")).toEqual([]);
    expect(await refused('lessons/some-lesson/01-a.check.ts', "import '../../server/lessons/checkApi.ts';\n")).toEqual([]);
    expect(await refused('lessons/some-lesson/01-a.check.ts', "import '../../server/http/labServer.ts';\n")).toHaveLength(1);
    expect(await refused('lessons/some-lesson/01-a.check.ts', "import '../../server/main.ts';\n")).toHaveLength(1);
  });

  it('lets bench/ and test/ import anything', async () => {
    const anything = "import 'node:fs';\nimport '../server/main.ts';\nimport '../server/robot/labHarness.ts';\n";
    expect(await refused('bench/x.ts', anything)).toEqual([]);
    expect(await refused('test/x.ts', anything)).toEqual([]);
  });
});
