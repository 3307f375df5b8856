// The inbox: both marketplaces in one list, newest activity first, filtered by status, role
// and text; virtualised (only the rows in view exist) so thousands scroll smoothly. Rows change
// live: conversationUpdated rewrites the cached conversation, and the list re-sorts.
import { Icon } from './icons';
import { useClient, useQuery } from '@urql/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useI18n, type I18n } from './i18n';
import { InboxQuery } from './ops';
import type { ConvRowFragment, InboxStatus, Role } from './gql/graphql';

const ROW = 84; // px: every row has this height, so the list can place rows without measuring
const PAGE = 50;

export function Inbox({ selected, nonce, known }: { selected: string; nonce: number; known: Set<string> }) {
  const i = useI18n();
  const client = useClient();
  const [status, setStatus] = useState<InboxStatus>('ALL');
  const [role, setRole] = useState<Role | ''>('');
  const [text, setText] = useState('');
  const [search, setSearch] = useState('');
  const [after, setAfter] = useState<string | null>(null);
  useEffect(() => {
    const t = setTimeout(() => setSearch(text.trim()), 250);
    return () => clearTimeout(t);
  }, [text]);
  const filter = useMemo(() => ({ status, role: role || null, query: search || null }), [status, role, search]);
  useEffect(() => setAfter(null), [filter]);
  const [res] = useQuery({ query: InboxQuery, variables: { first: PAGE, after, filter } });
  useEffect(() => {
    if (nonce) void client.query(InboxQuery, { first: PAGE, after: null, filter }, { requestPolicy: 'network-only' }).toPromise();
  }, [nonce]);

  // A conversation deleted here leaves the list at once (it is gone for this viewer only).
  const [gone, setGone] = useState<Set<string>>(new Set());
  useEffect(() => {
    const on = (e: Event) => setGone((g) => new Set(g).add((e as CustomEvent<string>).detail));
    addEventListener('parley:gone', on);
    return () => removeEventListener('parley:gone', on);
  }, []);

  const inbox = res.data?.inbox;
  const rows = useMemo(() => {
    const all = inbox?.nodes ?? [];
    for (const c of all) known.add(c.id);
    return all
      .filter((c) => !gone.has(c.conversationId) && (status === 'ARCHIVED' ? c.archived : !c.archived))
      .sort(
        (a, b) =>
          pinOrder(a) - pinOrder(b) || Date.parse(b.lastActivityAt) - Date.parse(a.lastActivityAt) || b.id.localeCompare(a.id),
      );
  }, [inbox, status, gone]);

  const more = () => {
    if (inbox?.pageInfo.hasNextPage && !res.fetching && inbox.pageInfo.endCursor) setAfter(inbox.pageInfo.endCursor);
  };

  return (
    <nav class="inbox" aria-label={i.t('inbox')}>
      <h2 class="sr-only">{i.t('inbox')}</h2>
      <div class="filters" role="group" aria-label={i.t('filters')}>
        <div class="tabs">
          {(['ALL', 'UNREAD', 'ARCHIVED'] as const).map((s) => (
            <button type="button" key={s} aria-pressed={status === s} onClick={() => setStatus(s)}>
              {i.t(s === 'ALL' ? 'all' : s === 'UNREAD' ? 'unread' : 'archived')}
            </button>
          ))}
        </div>
        <label class="sr-only" for="role-filter">
          {i.t('role')}
        </label>
        <select id="role-filter" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as Role | '')}>
          <option value="">{i.t('anyRole')}</option>
          {(['CAR_OWNER', 'WORKSHOP', 'BUYER', 'SELLER'] as const).map((r) => (
            <option value={r} key={r}>
              {i.d.roles[r]}
            </option>
          ))}
        </select>
        <label class="sr-only" for="inbox-search">
          {i.t('search')}
        </label>
        <input id="inbox-search" type="search" placeholder={i.t('searchPlaceholder')} value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      </div>
      {res.error && !inbox && <p role="alert">{i.t('error', { msg: res.error.message })}</p>}
      {inbox && rows.length === 0 && <p class="empty">{i.t('noConversations')}</p>}
      <VirtualList rows={rows} selected={selected} onNearEnd={more} i={i} total={inbox?.totalCount ?? rows.length} />
    </nav>
  );
}

function VirtualList(props: { rows: ConvRowFragment[]; selected: string; onNearEnd(): void; i: I18n; total: number }) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  useEffect(() => {
    const el = box.current!;
    const measure = () => setView({ top: el.scrollTop, height: el.clientHeight || 800 });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(view.top / ROW) - 5);
  const last = Math.min(props.rows.length, Math.ceil((view.top + view.height) / ROW) + 5);
  useEffect(() => {
    if (last >= props.rows.length - 10) props.onNearEnd();
  }, [last, props.rows.length]);
  const shown = props.rows.slice(first, last);
  return (
    <div class="rows" ref={box} onScroll={(e) => setView({ top: (e.target as HTMLElement).scrollTop, height: (e.target as HTMLElement).clientHeight })}>
      <ul style={{ height: `${props.rows.length * ROW}px` }} data-testid="inbox-list">
        {shown.map((c, k) => (
          <li key={c.id} style={{ top: `${(first + k) * ROW}px` }} aria-setsize={props.total} aria-posinset={first + k + 1}>
            <Row c={c} selected={c.conversationId === props.selected} i={props.i} />
          </li>
        ))}
      </ul>
    </div>
  );
}

// Pinned threads first, in pin order (the server's order too); the rest after them.
function pinOrder(c: ConvRowFragment): number {
  return c.pinnedAt ? Date.parse(c.pinnedAt) : Number.MAX_SAFE_INTEGER;
}

export function otherSide(c: ConvRowFragment) {
  return c.participants.find((p) => !p.isViewer);
}

export function titleOf(c: ConvRowFragment, i: I18n): string {
  if (c.kind === 'LISTING' && c.listing) return c.listing.title;
  return otherSide(c)?.name ?? (c.booking ? i.t('booking', { id: c.booking.bookingId }) : '');
}

function Row({ c, selected, i }: { c: ConvRowFragment; selected: boolean; i: I18n }) {
  const other = otherSide(c);
  const preview = c.lastMessage ? `${c.lastMessage.isMine ? i.t('you') + ': ' : ''}${c.lastMessage.body}` : '';
  const unread = c.unreadCount > 0;
  return (
    <a
      href={`#/c/${encodeURIComponent(c.conversationId)}`}
      class={`row ${selected ? 'selected' : ''} ${unread ? 'unread' : ''} ${c.pinnedAt ? 'pinned' : ''}`}
      aria-current={selected ? 'page' : undefined}
      data-conversation={c.conversationId}
    >
      <span class={`avatar ${c.kind === 'LISTING' ? 'listing' : 'booking'}`} aria-hidden="true">
        <Icon name={c.kind === 'LISTING' ? 'car' : 'wrench'} />
        <span class={`dot ${other?.online ? 'on' : 'off'}`} />
      </span>
      <span class="row-main">
        <span class="row-title">
          {c.pinnedAt && (
            <span class="pin" data-testid="pinned" title={i.t('pinned')}>
              <span aria-hidden="true">📌</span>
              <span class="sr-only">{i.t('pinned')}, </span>
            </span>
          )}
          <span class="name">{titleOf(c, i)}</span>
          {c.muted && (
            <span class="muted-mark" title={i.t('muted')}>
              <span aria-hidden="true">🔕</span>
              <span class="sr-only">, {i.t('muted')}</span>
            </span>
          )}
          <span class="sr-only">, {other?.online ? i.t('online') : i.t('offlineDot')}</span>
          <time dateTime={c.lastActivityAt}>{i.when(c.lastActivityAt)}</time>
        </span>
        <span class="row-sub">
          {c.kind === 'BOOKING' && c.booking
            ? `${i.t('booking', { id: c.booking.bookingId })} · ${c.booking.workshop.name}`
            : c.listing
              ? `${i.money(c.listing.price)} · ${i.d.status[c.listing.status] ?? c.listing.status} · ${other?.name ?? ''}`
              : ''}
        </span>
        <span class="row-preview">
          <span class="text">{preview}</span>
          {unread && (
            <span class="badge" data-testid="row-badge">
              <span class="sr-only">{i.t('unreadCount', { n: c.unreadCount })}</span>
              <span aria-hidden="true">{i.num(c.unreadCount)}</span>
            </span>
          )}
        </span>
      </span>
    </a>
  );
}
