// Runs graphql-http's GraphQL over HTTP audits against a running Parley and prints one line
// per audit. Exits 1 on any failure or warning: Parley keeps every MUST and SHOULD.
// Usage: node audit.mjs http://127.0.0.1:8080/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2] || process.env.PARLEY_GRAPHQL_URL;
if (!url) {
  console.error('usage: node audit.mjs <graphql endpoint URL>');
  process.exit(2);
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 }; // a notice is a MAY
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  counts[result.status]++;
  if (result.status === 'ok') {
    console.log(`ok    ${audit.id} ${audit.name}`);
    continue;
  }
  console.log(`${result.status.padEnd(5)} ${audit.id} ${audit.name}\n      ${result.reason}`);
  if (result.response) {
    const body = await result.response.text().catch(() => '');
    console.log(`      got ${result.response.status} ${result.response.headers.get('content-type')}: ${body.slice(0, 300)}`);
  }
}
console.log(`${counts.ok} passed, ${counts.error + counts.warn} failed (${counts.warn} warnings)`);
process.exit(counts.error + counts.warn > 0 ? 1 : 0);
