import { defineConfig } from 'vite';

// Built into dist/ and served by parley at /app/ (web/app/webapp.go) under a policy that
// allows only the server's own origin: no inline script or style, no data: URLs.
export default defineConfig({
  base: '/app/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rollupOptions: { output: { entryFileNames: 'assets/[name]-[hash].js' } },
  },
});
