// live.mjs subscribes to a running parley with the real npm clients and prints one JSON line
// per check. cmd/parley/livejs_test.go runs it and judges the lines; any failure exits non-zero.
//
// Env: PARLEY_URL (http://host:port), CONV_ID, LISTENER_TOKEN (a participant who subscribes),
// SENDER_TOKEN (the other participant, who sends), BODY (unique per run).
import { createClient as createWSClient } from 'graphql-ws';
import { createClient as createSSEClient } from 'graphql-sse';
import WebSocket from 'ws';

const { PARLEY_URL, CONV_ID, LISTENER_TOKEN, SENDER_TOKEN, BODY } = process.env;
for (const [k, v] of Object.entries({ PARLEY_URL, CONV_ID, LISTENER_TOKEN, SENDER_TOKEN, BODY })) {
  if (!v) fail(`${k} is not set`);
}
const httpURL = `${PARLEY_URL}/graphql`;
const wsURL = httpURL.replace(/^http/, 'ws');
const SUB = 'subscription ($c: ID!) { messageAdded(conversationId: $c) { messageId body } }';
const SEND = `mutation ($c: ID!, $b: String!) {
  sendMessage(input: { conversationId: $c, body: $b }) { message { messageId body } } }`;
// The server registers a subscription just after the client's handshake completes, and
// there is no protocol message that says it has; a short pause keeps the send after it.
const SETTLE_MS = 300;
const EVENT_TIMEOUT_MS = 5000;

function fail(msg) {
  console.error(`live.mjs: ${msg}`);
  process.exit(1);
}

function print(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// send posts the sendMessage mutation as the other participant, as an ordinary client would.
async function send(body) {
  const res = await fetch(httpURL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${SENDER_TOKEN}` },
    body: JSON.stringify({ query: SEND, variables: { c: CONV_ID, b: body } }),
  });
  const out = await res.json();
  if (res.status !== 200 || out.errors) fail(`sendMessage: ${res.status} ${JSON.stringify(out)}`);
  return out.data.sendMessage.message;
}

// firstEvent returns a promise of the subscription's first result and a sink that settles it.
function firstEvent() {
  let sink;
  const event = new Promise((resolve, reject) => {
    sink = {
      next: (result) => (result.errors ? reject(new Error(JSON.stringify(result.errors))) : resolve(result.data)),
      error: (err) => reject(err instanceof Error ? err : new Error(describe(err))),
      complete: () => reject(new Error('completed before any event')),
    };
  });
  return { event, sink };
}

function describe(err) {
  if (err && typeof err.code === 'number') return `closed ${err.code} ${err.reason}`;
  return JSON.stringify(err);
}

// roundTrip sends one message once the subscription is up and reports what came back.
async function roundTrip(client, ready, event, body) {
  // A subscription refused outright rejects event before ready ever settles.
  await withTimeout(Promise.race([ready, event]), EVENT_TIMEOUT_MS, `${client} handshake`);
  await sleep(SETTLE_MS);
  const start = performance.now();
  const sent = await send(body);
  const got = await withTimeout(event, EVENT_TIMEOUT_MS, `${client} event`);
  print({ client, sent, received: got.messageAdded, ms: Math.round(performance.now() - start) });
}

async function overWebSocket() {
  let connected;
  const ready = new Promise((r) => (connected = r));
  const client = createWSClient({
    url: wsURL,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${LISTENER_TOKEN}` },
    retryAttempts: 0,
    on: { connected: () => connected() },
  });
  const { event, sink } = firstEvent();
  const stop = client.subscribe({ query: SUB, variables: { c: CONV_ID } }, sink);
  try {
    await roundTrip('graphql-ws', ready, event, `${BODY} over graphql-ws`);
  } finally {
    stop();
    await client.dispose();
  }
}

async function overSSE() {
  let opened;
  const ready = new Promise((r) => (opened = r));
  const client = createSSEClient({
    url: httpURL,
    headers: { Authorization: `Bearer ${LISTENER_TOKEN}` },
    retryAttempts: 0,
    // The stream is open once the server has answered the POST with its headers.
    fetchFn: async (...args) => {
      const res = await fetch(...args);
      opened();
      return res;
    },
  });
  const { event, sink } = firstEvent();
  const stop = client.subscribe({ query: SUB, variables: { c: CONV_ID } }, sink);
  try {
    await roundTrip('graphql-sse', ready, event, `${BODY} over graphql-sse`);
  } finally {
    stop();
    client.dispose();
  }
}

// badToken shows that a refused connection_init ends with the close code graphql-ws defines
// for Forbidden, which the client treats as final rather than retrying.
async function badToken() {
  let closed;
  const close = new Promise((r) => (closed = r));
  const client = createWSClient({
    url: wsURL,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: 'Bearer not-a-real-token' },
    retryAttempts: 0,
    on: { closed: (e) => closed(e) },
  });
  const { event, sink } = firstEvent();
  client.subscribe({ query: SUB, variables: { c: CONV_ID } }, sink);
  event.catch(() => {}); // the close below is what we judge
  const e = await withTimeout(close, EVENT_TIMEOUT_MS, 'bad token close');
  print({ client: 'graphql-ws', badToken: { code: e.code, reason: e.reason } });
  await client.dispose();
}

try {
  await overWebSocket();
  await overSSE();
  await badToken();
} catch (err) {
  fail(err.stack || String(err));
}
process.exit(0);
