// GraphiQL for Parley: queries and mutations over POST /graphql, subscriptions over a
// WebSocket to the same path. Headers typed in the Headers tab (Authorization: Bearer …) go
// with both.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './page.css';

const endpoint = new URL('/graphql', location.href);
const socket = new URL(endpoint);
socket.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

const fetcher = createGraphiQLFetcher({
  url: endpoint.href,
  subscriptionUrl: socket.href,
});

const defaultQuery = `# Welcome to Parley's GraphiQL.
#
# Most fields need a user: put a bearer token
# in the Headers tab below, e.g.
#   { "Authorization": "Bearer <token>" }
# \`parley serve --seed\` prints tokens for the
# demo users; \`parley token\` mints one.
# The book icon on the left opens the schema.

query Viewer {
  viewer {
    id
    name
    role
  }
}
`;

createRoot(document.getElementById('graphiql')).render(
  <GraphiQL
    fetcher={fetcher}
    defaultQuery={defaultQuery}
    defaultHeaders={'{\n  "Authorization": ""\n}'}
    defaultEditorToolsVisibility="headers"
  />,
);
