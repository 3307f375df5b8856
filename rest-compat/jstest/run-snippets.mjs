// Runs every Node.js axios and fetch snippet of the legacy REST documents against a running
// Parley, each in its own Node process, and prints one JSON line per snippet:
//   {"doc", "method", "url", "path", "kind": "axios"|"fetch", "status", "body", "error"?}
// where body is the last answer's JSON body (null when it was not JSON).
//
// Usage: node run-snippets.mjs [--list] [FIXTURE]
//   --list prints what each snippet would call (with its real path and body) without running it.
//   FIXTURE is the snippets as extract-snippets.mjs wrote them; default testdata/snippets.json.
// The snippets read MINBIL_API_BASE_URL, MINBIL_ACCESS_TOKEN (a car owner's token) and
// MINBIL_WS_ACCESS_TOKEN (a workshop user's token) themselves. Their placeholders are replaced
// with the real ids given in these variables:
//   SNIPPET_BOOKING_ID        a booking of that car owner and that workshop (path ids, ?id=, booking_id)
//   SNIPPET_THREAD_ID         the conversation id of that booking's thread (thread_id)
//   SNIPPET_MESSAGE_ID        a message in that thread (last_read_id)
//   SNIPPET_NOTIFICATION_IDS  comma-separated notification ids of the car owner (ids, /notifications/{id})
//   SNIPPET_SEARCH_WORD       a word the workshop search and the car owner's inbox find (q, query)
//   SNIPPET_READ_AT           an RFC 3339 time (last_read_at); default now
// Exit status: 0 when every snippet got a 2xx answer, 1 otherwise, 2 on a usage error.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { balancedObject, documentedCall, fixturePath } from "./extract-snippets.mjs";


function required(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`run-snippets: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

const values = {
  bookingId: Number(required("SNIPPET_BOOKING_ID")),
  threadId: required("SNIPPET_THREAD_ID"),
  messageId: Number(required("SNIPPET_MESSAGE_ID")),
  notificationIds: required("SNIPPET_NOTIFICATION_IDS").split(",").map(Number),
  searchWord: process.env.SNIPPET_SEARCH_WORD || "bremser",
  readAt: process.env.SNIPPET_READ_AT || new Date().toISOString().replace(/\.\d+Z$/, "Z"),
};
required("MINBIL_API_BASE_URL");
required("MINBIL_ACCESS_TOKEN");
required("MINBIL_WS_ACCESS_TOKEN");

// ---- substitution -----------------------------------------------------------------------

const queryValues = {
  page: () => "1",
  page_size: () => "20",
  size: () => "20",
  limit: () => "20",
  q: () => values.searchWord,
  query: () => values.searchWord,
  id: () => String(values.bookingId),
  status: () => "all",
  type: () => "message.received",
  since: () => "2020-01-01T00:00:00Z",
};

// realPath puts real ids into a documented path: numeric or :name segments become the
// notification id under /api/co/notifications, the booking id elsewhere; query parameters get
// real values by name. The query form of the workshop thread route is called as documented,
// without ?id= (Parley answers the workshop's most recent thread).
function realPath(path) {
  const u = new URL(path, "http://placeholder");
  const notifications = u.pathname.startsWith("/api/co/notifications/");
  u.pathname = u.pathname
    .split("/")
    .map((seg) => (/^\d+$/.test(seg) || seg.startsWith(":") ? String(notifications ? values.notificationIds[0] : values.bookingId) : seg))
    .join("/");
  for (const [name, v] of [...u.searchParams]) {
    const fill = queryValues[name];
    if (fill) u.searchParams.set(name, fill());
    else if (v === "string_value") throw new Error(`no value for query parameter ${name}`);
  }
  return u.pathname + u.search;
}

// realBody replaces the placeholders of a request body, key by key.
function realBody(body) {
  if ("example_field" in body) return { booking_id: values.bookingId, message: "Hei fra verkstedet (dokumentasjonens eksempel)." };
  const out = {};
  for (const [k, v] of Object.entries(body)) {
    switch (k) {
      case "thread_id":
        out[k] = values.threadId;
        break;
      case "last_read_id":
        out[k] = values.messageId;
        break;
      case "last_read_at":
        out[k] = values.readAt;
        break;
      case "ids":
        out[k] = values.notificationIds;
        break;
      case "message":
        out[k] = v === "string_value" ? "Hei fra dokumentasjonens eksempel." : v;
        break;
      case "attachments":
        out[k] = v.map((a) => ({
          url: "https://cdn.example.no/docs/bremser.jpg",
          content_type: a.content_type === "string_value" ? "image/jpeg" : a.content_type,
          name: a.name === "string_value" ? "bremser.jpg" : a.name,
          size: a.size,
        }));
        break;
      default:
        out[k] = v;
    }
  }
  if (JSON.stringify(out).includes("string_value")) throw new Error(`unreplaced placeholder in body ${JSON.stringify(out)}`);
  return out;
}

// prepare rewrites a snippet: real path, real body. It returns the code and what it calls.
function prepare(snippet) {
  let code = snippet.code;
  const documented = documentedCall(code);
  const { method } = documented;
  const path = realPath(documented.path);
  code = code.split(documented.path).join(path);
  const bodyAt = /(data:\s*|JSON\.stringify\()\{/.exec(code);
  let body;
  if (bodyAt) {
    const start = bodyAt.index + bodyAt[1].length;
    const end = balancedObject(code, start);
    body = realBody(JSON.parse(code.slice(start, end)));
    code = code.slice(0, start) + JSON.stringify(body, null, 2) + code.slice(end);
  }
  return { method, path, body, code };
}

// ---- running ----------------------------------------------------------------------------

const axiosURL = import.meta.resolve("axios");

// instrument records the status and JSON body of every answer the snippet gets, through an
// axios interceptor and a wrapped fetch, into the file named by SNIPPET_RESULT_FILE.
function instrument(code) {
  const usesAxios = /import axios from "axios";/.test(code);
  const pre = [
    'import { writeFileSync as __write } from "node:fs";',
    "const __statuses = [];",
    "const __record = (status, body) => { __statuses.push({ status, body: body ?? null }); __write(process.env.SNIPPET_RESULT_FILE, JSON.stringify(__statuses)); };",
    "const __fetch = globalThis.fetch;",
    "globalThis.fetch = async (...args) => { const r = await __fetch(...args); __record(r.status, await r.clone().json().catch(() => null)); return r; };",
  ];
  if (usesAxios) {
    code = code.replace('import axios from "axios";', `import axios from ${JSON.stringify(axiosURL)};`);
    pre.push(
      "const __json = (d) => (typeof d === 'object' ? d : null);",
      "axios.interceptors.response.use((r) => { __record(r.status, __json(r.data)); return r; }, (e) => { __record(e.response?.status ?? 0, __json(e.response?.data)); return Promise.reject(e); });");
  }
  // import declarations are hoisted, so the snippet's own import may follow this preamble.
  return pre.join("\n") + "\n" + code;
}

function run(snippet, dir, n) {
  const { method, path, code } = prepare(snippet);
  const file = join(dir, `snippet-${String(n).padStart(2, "0")}.mjs`);
  const resultFile = join(dir, `snippet-${String(n).padStart(2, "0")}.json`);
  writeFileSync(file, instrument(code));
  const noProxy = ["127.0.0.1", "localhost", process.env.NO_PROXY].filter(Boolean).join(",");
  const p = spawnSync(process.execPath, [file], {
    env: { ...process.env, SNIPPET_RESULT_FILE: resultFile, NO_PROXY: noProxy, no_proxy: noProxy },
    encoding: "utf8",
    timeout: 60000,
  });
  const answers = existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, "utf8")) : [];
  const { status, body } = answers.at(-1) ?? { status: 0, body: null };
  const line = { doc: snippet.doc, method, url: process.env.MINBIL_API_BASE_URL + path, path, kind: snippet.kind, status, body };
  if (status < 200 || status > 299 || p.status !== 0) {
    line.error = ((p.stderr || "") + (p.stdout || "")).trim().slice(0, 600) || `exit ${p.status}`;
  }
  return line;
}

function main() {
  const args = process.argv.slice(2);
  const list = args.includes("--list");
  const fixture = resolve(args.find((a) => !a.startsWith("--")) || fixturePath);
  const snippets = JSON.parse(readFileSync(fixture, "utf8"));
  if (snippets.length === 0) {
    console.error(`run-snippets: no snippets in ${fixture}`);
    process.exit(2);
  }
  if (list) {
    for (const s of snippets) {
      const { method, path, body } = prepare(s);
      console.log(JSON.stringify({ doc: s.doc, method, path, kind: s.kind, body }));
    }
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "parley-snippets-"));
  let failed = 0;
  try {
    snippets.forEach((s, i) => {
      let line;
      try {
        line = run(s, dir, i + 1);
      } catch (err) {
        line = { doc: s.doc, method: "?", url: "?", path: "?", kind: s.kind, status: 0, error: String(err.message ?? err) };
      }
      if (line.status < 200 || line.status > 299) failed++;
      console.log(JSON.stringify(line));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed === 0 ? 0 : 1);
}

main();
