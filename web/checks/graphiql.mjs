// Opens Parley's GraphiQL in headless Chromium (the system's /usr/bin/chromium, driven by
// playwright-core; no browser is downloaded), puts a bearer token in the Headers tab, runs the
// default query and a subscription, opens the settings dialog and the schema explorer, and
// saves a screenshot. Fails when the explorer does not show the Query type, when the page
// reports an error (a refused Content-Security-Policy included), or when any request leaves
// the server's origin.
// Usage: PARLEY_URL=http://127.0.0.1:8080 TOKEN=<bearer token> node graphiql.mjs [out.png]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.PARLEY_URL;
const token = process.env.TOKEN;
const shot = process.argv[2] || new URL('./out/graphiql.png', import.meta.url).pathname;
if (!base || !token) {
  console.error('usage: PARLEY_URL=http://host:port TOKEN=<bearer token> node graphiql.mjs [out.png]');
  process.exit(2);
}
const origin = new URL(base).origin;

const profile = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 900 },
});

const problems = [];
const page = browser.pages()[0] ?? await browser.newPage();
page.on('request', (req) => {
  const url = new URL(req.url());
  if (url.origin !== origin && url.protocol !== 'data:' && url.protocol !== 'blob:') {
    problems.push(`request left the server's origin: ${req.url()}`);
  }
  if (url.protocol === 'data:') problems.push(`data: URL requested (refused by the policy): ${req.url().slice(0, 60)}`);
});
page.on('console', (msg) => {
  if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
});
page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));

try {
  const resp = await page.goto(`${base}/`, { waitUntil: 'load' });
  if (!resp.headers()['content-security-policy']?.includes("default-src 'self'")) {
    problems.push(`the page has no default-src 'self' policy: ${resp.headers()['content-security-policy']}`);
  }
  await page.locator('.graphiql-container').waitFor({ timeout: 20000 });

  // The Headers tab is open; replace its contents with the token.
  const headers = page.locator('.graphiql-editor-tool .CodeMirror >> visible=true');
  await headers.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${token}` }));
  await page.locator('.graphiql-execute-button').click();
  const result = page.locator('.graphiql-response .CodeMirror');
  await result.filter({ hasText: '"viewer"' }).waitFor({ timeout: 20000 });
  const answer = await result.innerText();
  if (!answer.includes('"name"') || answer.includes('"errors"')) problems.push(`the query did not answer: ${answer}`);

  // A subscription over the WebSocket to the same origin, authenticated by the same header.
  await page.locator('.graphiql-query-editor .CodeMirror').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText('subscription Watch { messageAdded(after: "0") { id body } }');
  await page.locator('.graphiql-session-header').getByText('Watch', { exact: true }).waitFor({ timeout: 20000 });
  await page.locator('.graphiql-execute-button').click();
  await result.filter({ hasText: '"messageAdded"' }).waitFor({ timeout: 20000 });
  await page.locator('.graphiql-execute-button').click(); // stop it

  // A dialog: GraphiQL locks scrolling with a stylesheet, which must not be a refused <style>.
  await page.getByRole('button', { name: /settings/i }).click();
  await page.getByRole('dialog').waitFor({ timeout: 20000 });
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached', timeout: 20000 });

  await page.getByRole('button', { name: /documentation explorer/i }).click();
  const docs = page.locator('.graphiql-doc-explorer');
  await docs.getByText('Query', { exact: true }).first().waitFor({ timeout: 20000 });
  if (await page.locator('.graphiql-doc-explorer-error').count()) {
    problems.push(`the explorer shows an error: ${await page.locator('.graphiql-doc-explorer-error').innerText()}`);
  }
  mkdirSync(dirname(shot), { recursive: true });
  await page.screenshot({ path: shot });
  console.log(`screenshot: ${shot}`);
} catch (err) {
  problems.push(`${err.message}`);
  const shown = await page.locator('.graphiql-doc-explorer-error').allInnerTexts().catch(() => []);
  if (shown.length) problems.push(`the explorer shows an error: ${shown.join('; ')}`);
  await page.screenshot({ path: shot }).catch(() => {});
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}

for (const p of problems) console.log(`FAIL ${p}`);
console.log(problems.length ? `0 passed, 1 failed` : `1 passed, 0 failed`);
process.exit(problems.length ? 1 : 0);
