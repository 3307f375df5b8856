// Builds dist/: GraphiQL and its CSS bundled from the pinned packages, every data: URL in the
// CSS moved to a file of its own (the page's Content-Security-Policy allows only the server's
// origin), every file named by its content hash, and index.html pointing at them.
// The output depends only on the locked packages, so CI can rebuild and compare.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const base = '/graphiql/'; // where web/graphiql/graphiql.go serves dist/
const out = new URL('./dist/', import.meta.url);

const result = await build({
  entryPoints: { graphiql: 'src/main.jsx' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  alias: { 'react-style-singleton': './src/style-singleton.js' }, // no <style> elements (see there)
  legalComments: 'none',
  charset: 'utf8',
  outdir: 'out',
  write: false,
  logLevel: 'warning',
});

const files = new Map(); // name -> contents

function hashed(stem, ext, data) {
  const name = `${stem}-${createHash('sha256').update(data).digest('hex').slice(0, 12)}.${ext}`;
  files.set(name, data);
  return name;
}

const extensions = { 'font/woff2': 'woff2', 'font/woff': 'woff', 'image/png': 'png', 'image/svg+xml': 'svg' };

// extractDataURLs replaces url(data:…) in css with url(<file>) and keeps the file.
function extractDataURLs(css) {
  return css.replace(/url\(\s*(["']?)data:([^;,]+)(;base64)?,(.*?)\1\s*\)/g, (_, _q, type, b64, data) => {
    const ext = extensions[type];
    if (!ext) throw new Error(`data: URL of unexpected type ${type} in the CSS`);
    const bytes = b64 ? Buffer.from(data, 'base64') : Buffer.from(decodeURIComponent(data));
    return `url(${hashed('asset', ext, bytes)})`;
  });
}

let js, css;
for (const f of result.outputFiles) {
  if (f.path.endsWith('.js')) js = hashed('graphiql', 'js', Buffer.from(f.contents));
  else if (f.path.endsWith('.css')) css = hashed('graphiql', 'css', Buffer.from(extractDataURLs(f.text)));
  else throw new Error(`unexpected output ${f.path}`);
}
if (!js || !css) throw new Error('esbuild gave no JS or no CSS');

// A favicon of our own, so the browser does not ask for /favicon.ico.
const icon = hashed('favicon', 'svg', Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#e10098"/>' +
  '<path d="M11 25V7h6.5a5.5 5.5 0 0 1 0 11H11" fill="none" stroke="#fff" stroke-width="3.5"/></svg>\n'));

files.set('index.html', Buffer.from(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley GraphiQL</title>
<link rel="icon" href="${base}${icon}">
<link rel="stylesheet" href="${base}${css}">
<script defer src="${base}${js}"></script>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<noscript>GraphiQL needs JavaScript.</noscript>
</body>
</html>
`));

rmSync(out, { recursive: true, force: true });
mkdirSync(out);
let total = 0;
for (const [name, data] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
  writeFileSync(new URL(name, out), data);
  total += data.length;
}
console.log(`dist/: ${files.size} files, ${(total / 1024).toFixed(0)} KiB (${js}, ${css})`);
