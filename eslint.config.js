/**
 * ESLint (flat config), run by `npm run lint` and test/run.sh. Its main job is the layering of
 * server/ (docs/architecture.md): imports only run from a layer to itself or to a lower one, the
 * page (web/) and the wire contract (server/common/) stay free of Node, and the course (lessons/)
 * sees no server code above server/lessons. bench/ and test/ may import anything.
 *
 * The rules are ESLint's core `no-restricted-imports`, one `files` block per folder, all generated
 * from LAYERS below. It matches import specifiers as written ('../http/x.ts',
 * '../../server/http/x.ts'), so a specifier naming a higher layer's folder anywhere on its path is
 * refused. It sees `import`, `import type` and `export … from`, not dynamic `import()`.
 * Beside it, typescript-eslint's recommended rules (the tree passed them with no change).
 */
import { builtinModules } from 'node:module';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** server/'s layers, bottom-up: a file may import its own layer and any lower one. */
const LAYERS = [
  'common', 'core', 'store', 'host', 'engine', 'images', 'sandbox', 'terminal', 'lessons', 'learners', 'workshops', 'http', 'app', 'robot', 'cli', 'main.ts',
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A relative specifier that reaches the layer: `../http/…`, `../../server/http/…`, `../main.ts`. */
function layerRegex(layer) {
  return layer.endsWith('.ts') ? `^\\.{1,2}/(?:.*/)?${escape(layer)}$` : `^\\.{1,2}/(?:.*/)?${escape(layer)}/`;
}

const layerName = (layer) => `server/${layer.endsWith('.ts') ? layer : `${layer}/`}`;

/** `no-restricted-imports` patterns refusing every layer above `layer` (by index in LAYERS). */
function above(index, who) {
  return LAYERS.slice(index + 1).map((higher) => ({
    regex: layerRegex(higher),
    message: `${who} may not import ${layerName(higher)}: imports run down the layers (bottom-up: ${LAYERS.join(', ')}).`,
  }));
}

/** Node's built-ins, bare ('fs', 'fs/promises') and as `node:*`. */
function nodeBuiltins(who) {
  const names = [...new Set(builtinModules.map((m) => m.replace(/^node:/, '')))];
  const message = `${who} runs without Node: no Node built-ins.`;
  return {
    paths: names.map((name) => ({ name, message })),
    patterns: [{ regex: '^node:', message }],
  };
}

const layerBlocks = LAYERS.map((layer, i) => {
  const who = layerName(layer);
  const files = layer.endsWith('.ts') ? [`server/${layer}`] : [`server/${layer}/**/*.ts`];
  if (layer === 'common') {
    const node = nodeBuiltins(who);
    return { files, rules: { 'no-restricted-imports': ['error', { paths: node.paths, patterns: [...node.patterns, ...above(i, who)] }] } };
  }
  return { files, rules: { 'no-restricted-imports': ['error', { patterns: above(i, who) }] } };
});

const webNode = nodeBuiltins('web/ (the page)');

export default defineConfig(
  { ignores: ['**/node_modules/', 'dist/', '.shiplab/', 'test-results/', 'images/'] },
  {
    files: ['**/*.ts', '**/*.js'],
    extends: [tseslint.configs.recommended],
    languageOptions: { parserOptions: { sourceType: 'module' } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  ...layerBlocks,
  {
    files: ['web/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: webNode.paths,
        patterns: [
          ...webNode.patterns,
          { regex: '^\\.{1,2}/(?:.*/)?server/(?!common/)', message: 'web/ (the page) may import only server/common/ of the server code.' },
        ],
      }],
    },
  },
  {
    // The course: its checks use '#check' (server/lessons/checkApi.ts) and nothing above server/lessons.
    files: ['lessons/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: above(LAYERS.indexOf('lessons'), 'lessons/ (the course)') }] },
  },
);
