// Extracts the Node.js axios and fetch snippets of the legacy REST documents (shared/spec) into
// testdata/snippets.json, the fixture run-snippets.mjs runs: the project owns its copy, so the
// tests need nothing beside the repository. Each entry holds the document, the snippet kind
// and code, the call it makes as documented (method, path, body), and the response example of
// its endpoint, whose field names and JSON types snippets_test.go asserts (open: see openFields).
//
// Usage: node extract-snippets.mjs [--check] [SPEC_DIR]
//   SPEC_DIR (or env SNIPPET_SPEC_DIR) holds the NNN_*.txt documents; default ../shared/spec
//   beside the repository. --check writes nothing and exits 1 when the fixture differs.

import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const fixturePath = join(here, "testdata", "snippets.json");

const sectionHeadings = new Set(["Request Example", "Response Example", "Node.js Axios example", "cURL example", "Fetch example"]);

// extractSnippets finds the code under "Node.js Axios example" (up to "cURL example") and under
// "Fetch example" (up to its closing top-level console.log line), with the response example
// of their endpoint. Every endpoint opens with a "Request Example", which forgets the previous
// endpoint's response, so a snippet never inherits another endpoint's example.
export function extractSnippets(doc, text) {
  const lines = text.split(/\r?\n/);
  const out = [];
  let response;
  for (let i = 0; i < lines.length; i++) {
    const head = lines[i].trim();
    if (head === "Request Example") response = undefined;
    if (head === "Response Example") {
      const body = [];
      for (i++; i < lines.length && !sectionHeadings.has(lines[i].trim()); i++) body.push(lines[i]);
      i--;
      response = parseJSON(body.join("\n"));
      continue;
    }
    if (head !== "Node.js Axios example" && head !== "Fetch example") continue;
    const kind = head === "Fetch example" ? "fetch" : "axios";
    const code = [];
    for (i++; i < lines.length; i++) {
      const t = lines[i].trim();
      if (kind === "axios" && (t === "cURL example" || t === "Fetch example")) {
        i--;
        break;
      }
      code.push(lines[i]);
      if (kind === "fetch" && lines[i].startsWith("console.log(")) break;
    }
    const snippet = { doc, kind, code: code.join("\n").trim() + "\n" };
    const call = documentedCall(snippet.code);
    if (response == null) throw new Error(`${doc}: ${call.method} ${call.path} (${kind}) has no JSON response example`);
    out.push({ ...snippet, ...call, response, open: openFields(response) });
  }
  return out;
}

function parseJSON(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null; // prose ("This endpoint does not use a JSON body") or no example
  }
}

// The workshop document's list routes show the generator's stand-in {"data": {"id": 123}}, not
// a shape (shared/spec/README.md: "the workshop namespace shows only placeholder bodies"): there
// the document fixes only that data is present. open lists such top-level fields, whose type
// the document leaves open.
const standIn = JSON.stringify({ data: { id: 123 } });

function openFields(response) {
  return JSON.stringify(response) === standIn ? ["data"] : [];
}

// balancedObject returns the end index (exclusive) of the {...} starting at start.
export function balancedObject(code, start) {
  let depth = 0;
  let inString = false;
  for (let i = start; i < code.length; i++) {
    const c = code[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i + 1;
  }
  throw new Error("unbalanced body");
}

// documentedCall reads what a snippet calls, placeholders and all: its method, its path (as
// the code spells it, so it can be replaced there) and its JSON body with where it sits.
export function documentedCall(code) {
  const method = (/method:\s*"(\w+)"/.exec(code)?.[1] ?? "GET").toUpperCase();
  const urlMatch = /BASE_URL\s*\+\s*"([^"]+)"/.exec(code) ?? /\$\{BASE_URL\}([^`]+)`/.exec(code);
  if (!urlMatch) throw new Error("no URL found");
  const bodyAt = /(data:\s*|JSON\.stringify\()\{/.exec(code);
  let body = null;
  if (bodyAt) {
    const start = bodyAt.index + bodyAt[1].length;
    body = JSON.parse(code.slice(start, balancedObject(code, start)));
  }
  return { method, path: urlMatch[1], body };
}

function main() {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  const specArg = args.find((a) => !a.startsWith("--"));
  const specDir = resolve(specArg || process.env.SNIPPET_SPEC_DIR || join(here, "..", "..", "..", "shared", "spec"));
  if (!existsSync(specDir)) {
    console.error(`extract-snippets: no ${specDir}; the fixture stays as it is`);
    process.exit(2);
  }
  const docs = readdirSync(specDir).filter((f) => /^\d{3}_.*\.txt$/.test(f)).sort();
  const snippets = docs.flatMap((doc) => extractSnippets(doc, readFileSync(join(specDir, doc), "utf8")));
  const text = JSON.stringify(snippets, null, 2) + "\n";
  if (check) {
    const same = existsSync(fixturePath) && readFileSync(fixturePath, "utf8") === text;
    if (!same) console.error(`extract-snippets: ${fixturePath} differs from ${specDir}; run node extract-snippets.mjs`);
    process.exit(same ? 0 : 1);
  }
  writeFileSync(fixturePath, text);
  console.error(`extract-snippets: ${snippets.length} snippets from ${docs.length} documents into ${fixturePath}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
