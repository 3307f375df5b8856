// Message search: the viewer's messages in every thread, newest first, each with its excerpt
// and the matched words marked. The marks are built from the server's code-point ranges as
// elements (the excerpt is plain text, never markup); a hit opens its thread.
import { stringifyDocument } from '@urql/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useI18n } from './i18n';
import { useLiveContext } from './live';
import { SearchMessagesQuery } from './ops';
import { titleOf } from './Inbox';
import type { SearchMessagesQuery as Result, SearchMessagesQueryVariables as Vars } from './gql/graphql';

const PAGE = 20;

type Edge = Result['searchMessages']['edges'][number];
type Range = Edge['node']['highlights'][number];

export function Search() {
  const i = useI18n();
  const { session, signOut } = useLiveContext();
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  const [edges, setEdges] = useState<Edge[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [typo, setTypo] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => box.current?.focus(), []);

  // load asks for one page; a page for a query no longer asked is dropped.
  const asked = useRef('');
  const load = async (q: string, after: string | null) => {
    asked.current = q;
    setBusy(true);
    setError('');
    const r = await search(session.token, { query: q, first: PAGE, after });
    if (asked.current !== q) return;
    setBusy(false);
    if (r.auth) return signOut('expired');
    if (!r.data) {
      setError(r.error);
      return;
    }
    const s = r.data.searchMessages;
    setEdges((old) => (after ? [...old, ...s.edges] : s.edges));
    setNext(s.pageInfo.hasNextPage ? (s.pageInfo.endCursor ?? null) : null);
    setTypo(s.typoTolerant);
  };
  const submit = (e: Event) => {
    e.preventDefault();
    const q = text.trim();
    setQuery(q);
    setEdges([]);
    setNext(null);
    if (q) void load(q, null);
  };

  return (
    <div class="search">
      <header class="thread-head">
        <a class="back" href="#/" aria-label={i.t('back')}>
          ←
        </a>
        <h2>{i.t('searchMessages')}</h2>
      </header>
      <form class="search-form" role="search" onSubmit={submit}>
        <label class="sr-only" for="message-search">
          {i.t('searchMessages')}
        </label>
        <input
          id="message-search"
          ref={box}
          type="search"
          placeholder={i.t('searchMessagesPlaceholder')}
          value={text}
          maxLength={200}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <button type="submit">{i.t('search')}</button>
      </form>
      <div role="status" class="search-status">
        {busy ? i.t('loading') : query && !error ? (edges.length ? (typo ? i.t('searchSimilar') : '') : i.t('noHits', { q: query })) : ''}
      </div>
      {error && <p role="alert">{i.t('error', { msg: error })}</p>}
      <ul class="hits" data-testid="search-hits">
        {edges.map((e) => (
          <li key={e.cursor}>
            <a class="hit" href={`#/c/${encodeURIComponent(e.node.conversation.conversationId)}`} data-message={e.node.message.messageId}>
              <span class="hit-head">
                <span class="name">{titleOf(e.node.conversation, i)}</span>
                <time dateTime={e.node.message.createdAt}>{i.when(e.node.message.createdAt)}</time>
              </span>
              <span class="hit-text">
                {e.node.message.isMine ? `${i.t('you')}: ` : e.node.message.sender ? `${e.node.message.sender.name}: ` : ''}
                <Marked text={e.node.excerpt} ranges={e.node.highlights} />
              </span>
            </a>
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" class="more" disabled={busy} onClick={() => void load(query, next)}>
          {i.t('loadMore')}
        </button>
      )}
    </div>
  );
}

// Marked shows text with the ranges (Unicode code points, as the server counts) in <mark>;
// ranges out of order, overlapping or past the end are clipped, never trusted.
export function Marked({ text, ranges }: { text: string; ranges: readonly Range[] }) {
  const cps = Array.from(text);
  const parts = [];
  let at = 0;
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    const start = Math.max(at, Math.min(r.start, cps.length));
    const end = Math.min(cps.length, r.start + Math.max(0, r.length));
    if (end <= start) continue;
    if (start > at) parts.push(cps.slice(at, start).join(''));
    parts.push(<mark key={start}>{cps.slice(start, end).join('')}</mark>);
    at = end;
  }
  if (at < cps.length) parts.push(cps.slice(at).join(''));
  return <>{parts}</>;
}

// search asks the server directly, past the client's normalised cache: hits are read once and
// never updated live, and writing pages of them into the cache would re-run every query that
// shows the same conversations and messages.
async function search(token: string, variables: Vars): Promise<{ data?: Result; error: string; auth?: boolean }> {
  try {
    const r = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: stringifyDocument(SearchMessagesQuery), variables }),
    });
    if (r.status === 401) return { error: '', auth: true };
    const body = (await r.json()) as { data?: Result; errors?: { message: string }[] };
    if (body.errors?.length) return { error: body.errors[0].message };
    return body.data ? { data: body.data, error: '' } : { error: `HTTP ${r.status}` };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
