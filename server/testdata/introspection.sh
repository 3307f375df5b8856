#!/bin/sh
# Regenerates the introspection queries graphql-js builds (getIntrospectionQuery), as GraphiQL,
# Apollo, codegen and Postman send them, with the graphql version locked in cmd/parley/livejs.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../../cmd/parley/livejs"
[ -d node_modules ] || npm ci --no-audit --no-fund
node --input-type=module -e '
import { getIntrospectionQuery } from "graphql";
import { writeFileSync } from "node:fs";
const [dir] = process.argv.slice(1);
writeFileSync(dir + "/introspection.graphql", getIntrospectionQuery() + "\n");
writeFileSync(dir + "/introspection-all.graphql", getIntrospectionQuery({ descriptions: true,
  specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true,
  inputValueDeprecation: true, oneOf: true }) + "\n");
' "$here"
