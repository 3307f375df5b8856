// Prints the initial JavaScript and CSS that index.html loads, raw and gzipped; the app's
// budget is 200 KB of gzipped JavaScript, and the build fails past it.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url);
const html = readFileSync(new URL('index.html', dist), 'utf8');
const refs = [...html.matchAll(/(?:src|href)="\/app\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
let js = 0;
for (const ref of refs) {
  const data = readFileSync(new URL(ref, dist));
  const gz = gzipSync(data, { level: 9 }).length;
  if (ref.endsWith('.js')) js += gz;
  console.log(`${ref}: ${(data.length / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzipped`);
}
console.log(`initial JavaScript: ${(js / 1024).toFixed(1)} KiB gzipped (budget 200 KiB)`);
if (js > 200 * 1024) {
  console.error('over the 200 KiB budget');
  process.exit(1);
}
