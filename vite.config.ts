import { defineConfig } from 'vite';

// The page: web/ is the root, the build goes to dist/web (served by server/http/staticFiles.ts).
export default defineConfig({
  root: 'web',
  base: '/',
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // xterm.js alone is ~300 KB minified; one chunk for the whole page is fine for a lab.
    chunkSizeWarningLimit: 1024,
  },
});
