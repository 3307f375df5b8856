// The signed-in session: the bearer token (kept in sessionStorage, so it dies with the tab),
// the GraphQL client built for it, and the live connection's state.
import { Client, fetchExchange, subscriptionExchange, type CombinedError } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { createClient as createWSClient, type Client as WSClient } from 'graphql-ws';

const TOKEN_KEY = 'parley.token';

export type Connection = 'connecting' | 'online' | 'reconnecting' | 'offline';

export interface Session {
  token: string;
  client: Client;
  ws: WSClient;
  close(): void;
}

export const savedToken = () => sessionStorage.getItem(TOKEN_KEY) ?? '';
export const saveToken = (t: string) => (t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY));

// Token refusal codes: the HTTP answer, GraphQL's extensions.code, the WebSocket close.
export function isAuthError(err: CombinedError | undefined): boolean {
  if (!err) return false;
  const status = (err.response as Response | undefined)?.status;
  return status === 401 || err.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
}

export interface Hooks {
  onConnection(c: Connection): void;
  // The socket came back after a drop: subscriptions resume from their last cursor.
  onReconnected(): void;
  onAuthFailure(): void;
}

export function openSession(token: string, hooks: Hooks): Session {
  const wsURL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  let connectedOnce = false;
  const ws = createWSClient({
    url: wsURL,
    connectionParams: { Authorization: `Bearer ${token}` },
    lazy: false,
    onNonLazyError: () => {}, // told by the closed event below
    keepAlive: 15000,
    retryAttempts: Infinity,
    shouldRetry: (e) => !isRefusal(e),
    retryWait: async (n) => new Promise((r) => setTimeout(r, Math.min(300 * 2 ** n, 4000) * (0.75 + Math.random() / 2))),
    on: {
      connecting: () => hooks.onConnection(connectedOnce ? 'reconnecting' : 'connecting'),
      connected: () => {
        hooks.onConnection('online');
        if (connectedOnce) hooks.onReconnected();
        connectedOnce = true;
      },
      closed: (e) => {
        if (isRefusal(e)) hooks.onAuthFailure();
        else hooks.onConnection(navigator.onLine ? 'reconnecting' : 'offline');
      },
    },
  });
  const client = new Client({
    url: '/graphql',
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
    exchanges: [
      cacheExchange({
        keys: {
          UnreadCounts: () => 'viewer',
          PageInfo: () => null,
          Participant: () => null,
          ConversationConnection: () => null,
          MessageConnection: () => null,
          NotificationConnection: () => null,
          WorkshopService: () => null,
          ReadReceipt: () => null,
          TypingEvent: () => null,
          ReactionCount: () => null,
          MessageChange: () => null,
          SendMessagePayload: () => null,
          MarkReadPayload: () => null,
          ConversationPayload: () => null,
          DeleteConversationPayload: () => null,
          MarkNotificationsReadPayload: () => null,
          PushSubscription: () => null,
        },
        resolvers: { Query: { inbox: relayPagination() } },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  // A socket on a dead network may look open for a while: drop it at once, and let the
  // retries bring it back (and the subscriptions resume) when the network returns.
  const offline = () => {
    hooks.onConnection('offline');
    ws.terminate();
  };
  const online = () => hooks.onConnection('reconnecting');
  addEventListener('offline', offline);
  addEventListener('online', online);
  return {
    token,
    client,
    ws,
    close() {
      removeEventListener('offline', offline);
      removeEventListener('online', online);
      void Promise.resolve(ws.dispose()).catch(() => {}); // a socket that never opened rejects
    },
  };
}

// isRefusal: the server closed the socket because of the token (4401, 4403).
function isRefusal(e: unknown): boolean {
  const code = (e as { code?: number } | undefined)?.code;
  return code === 4401 || code === 4403;
}

// newClientMessageId names one send for its retries; crypto.randomUUID needs a secure context.
export function newClientMessageId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return 'web-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// authedBlob fetches a same-origin file with the token (attachments are not public).
export async function authedBlob(token: string, url: string): Promise<Blob> {
  const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return r.blob();
}
