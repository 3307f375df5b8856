// One conversation: newest message at the bottom, older pages fetched on scrolling up (keyset
// `before`), live messages from messageAdded resumed from the last one seen after any drop,
// optimistic sends named by clientMessageId (a retry is the same send), "Seen", typing; edits,
// unsends and reactions from messageChanged, resumed from its last cursor after any drop.
import { Icon } from './icons';
import { useClient, useMutation, useQuery } from '@urql/preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useI18n } from './i18n';
import { useLiveContext } from './live';
import { isAuthError, newClientMessageId } from './session';
import { numericId } from './ids';
import {
  AddReactionMutation, ArchiveMutation, BlockMutation, DeleteForMeMutation, DeleteMutation, EditMutation, MarkReadMutation,
  MessageAddedSubscription, MessageChangedSubscription, MessagesQuery, MuteMutation, PinMutation, ReactionEmojiQuery,
  ReadReceiptSubscription, RemoveReactionMutation, SendMutation, ThreadQuery, TypingMutation, TypingSubscription,
  UnarchiveMutation, UnmuteMutation, UnpinMutation, UnsendMutation,
} from './ops';
import { EditForm, MessageMenu, Reactions, type ToolActions } from './MessageTools';
import type { MsgFragment } from './gql/graphql';
import { otherSide, titleOf } from './Inbox';
import { ReportDialog } from './Report';
import { Composer, type Outgoing, type Quoting } from './Composer';
import { AttachmentView, uploadSend } from './Attachments';

const PAGE = 30;

interface Pending {
  clientMessageId: string;
  out: Outgoing;
  state: 'sending' | 'failed';
  createdAt: string;
  progress?: number;
  error?: string;
}

export function Thread({ id, viewerId }: { id: string; viewerId: string }) {
  const i = useI18n();
  const live = useLiveContext();
  const client = useClient();
  const [conv, refetchConv] = useQuery({ query: ThreadQuery, variables: { id } });
  // Presence has no event of its own: the open thread asks again now and then, which also
  // refreshes the participants' dots in the inbox (the same cached conversation).
  useEffect(() => {
    const t = setInterval(() => document.visibilityState === 'visible' && refetchConv({ requestPolicy: 'network-only' }), 30000);
    return () => clearInterval(t);
  }, [id]);
  const c = conv.data?.conversation;
  const [msgs, setMsgs] = useState<Map<number, MsgFragment>>(new Map());
  const [pending, setPending] = useState<Pending[]>([]);
  const [older, setOlder] = useState<{ cursor: string | null; more: boolean; loading: boolean }>({ cursor: null, more: false, loading: true });
  const [loaded, setLoaded] = useState(false);
  const [seenUpTo, setSeenUpTo] = useState(0);
  const [deliveredUpTo, setDeliveredUpTo] = useState(0);
  const [quoting, setQuoting] = useState<Quoting | null>(null);
  const [typing, setTyping] = useState<{ name: string; until: number } | null>(null);
  const [notice, setNotice] = useState('');
  const [reporting, setReporting] = useState<MsgFragment | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const lastId = useRef(0);
  const changeCursor = useRef<string | null>(null); // the last messageChanged event seen
  const early = useRef<MsgFragment[] | null>([]); // changes that came before the first page
  const list = useRef<HTMLDivElement>(null);
  const stick = useRef(true); // follow new messages while the view is at the bottom
  const keepFrom = useRef<number | null>(null); // scrollHeight before older messages were put on top

  const add = (ms: readonly MsgFragment[]) => {
    if (!ms.length) return;
    for (const m of ms) lastId.current = Math.max(lastId.current, m.messageId);
    setMsgs((prev) => {
      const next = new Map(prev);
      for (const m of ms) next.set(m.messageId, m);
      return next;
    });
    const mine = new Set(ms.map((m) => m.clientMessageId).filter(Boolean));
    if (mine.size) setPending((p) => p.filter((x) => !mine.has(x.clientMessageId)));
  };

  // A changed message replaces the one shown; one not loaded (an older page) waits for its page.
  const replace = (m: MsgFragment) =>
    setMsgs((prev) => (prev.has(m.messageId) ? new Map(prev).set(m.messageId, m) : prev));
  const drop = (messageId: number) =>
    setMsgs((prev) => {
      const next = new Map(prev);
      next.delete(messageId);
      return next;
    });

  // The newest page first; then the live messages after its last one.
  useEffect(() => {
    void client
      .query(MessagesQuery, { id, last: PAGE }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((r) => {
        if (isAuthError(r.error)) return live.signOut('expired');
        const page = r.data?.messages;
        if (page) add(page.nodes);
        for (const m of early.current ?? []) replace(m);
        early.current = null;
        setOlder({ cursor: page?.pageInfo.startCursor ?? null, more: !!page?.pageInfo.hasPreviousPage, loading: false });
        setLoaded(true);
      });
  }, [id]);

  useEffect(() => {
    if (!loaded) return;
    const sub = client
      .subscription(MessageAddedSubscription, { id, after: lastId.current ? String(lastId.current) : null })
      .subscribe((r) => r.data && add([r.data.messageAdded]));
    return () => sub.unsubscribe();
  }, [id, loaded, live.reconnects]);

  // Changes are subscribed to before the first page is read, and those that come before it
  // are applied after it, so none made meanwhile is lost; after a drop the stream resumes from
  // the last change seen.
  useEffect(() => {
    const sub = client.subscription(MessageChangedSubscription, { id, after: changeCursor.current }).subscribe((r) => {
      const ch = r.data?.messageChanged;
      if (!ch) return;
      changeCursor.current = ch.cursor;
      if (early.current) early.current.push(ch.message);
      else replace(ch.message);
    });
    return () => sub.unsubscribe();
  }, [id, live.reconnects]);

  useEffect(() => {
    const receipts = client.subscription(ReadReceiptSubscription, { id }).subscribe((r) => {
      const rc = r.data?.readReceipt;
      if (rc && !rc.participant.isViewer) {
        setSeenUpTo((n) => Math.max(n, numericId(rc.lastReadMessageId)));
        setDeliveredUpTo((n) => Math.max(n, numericId(rc.lastDeliveredMessageId)));
      }
    });
    const typers = client.subscription(TypingSubscription, { id }).subscribe((r) => {
      const ev = r.data?.typing;
      if (ev && ev.user.id && ev.user.name) setTyping({ name: ev.user.name, until: Date.parse(ev.expiresAt) });
    });
    return () => {
      receipts.unsubscribe();
      typers.unsubscribe();
    };
  }, [id, live.reconnects]);

  useEffect(() => {
    if (!typing) return;
    const t = setTimeout(() => setTyping(null), Math.max(0, typing.until - Date.now()) + 200);
    return () => clearTimeout(t);
  }, [typing]);

  // The other side's read position as loaded; receipts move it on.
  useEffect(() => {
    const o = c && otherSide(c);
    if (o) setSeenUpTo((n) => Math.max(n, numericId(o.lastReadMessageId)));
  }, [c]);

  // Read what is on screen: the newest message from the other side marks the thread read.
  const [, markRead] = useMutation(MarkReadMutation);
  const newestTheirs = [...msgs.values()].reduce((n, m) => (!m.isMine && m.messageId > n ? m.messageId : n), 0);
  useEffect(() => {
    if (!newestTheirs) return;
    const go = () => document.visibilityState === 'visible' && void markRead({ id, upTo: String(newestTheirs) });
    go();
    document.addEventListener('visibilitychange', go);
    return () => document.removeEventListener('visibilitychange', go);
  }, [newestTheirs]);

  const ordered = [...msgs.values()].sort((a, b) => a.messageId - b.messageId);
  const lastSeenMine = ordered.reduce((n, m) => (m.isMine && m.messageId <= seenUpTo ? m.messageId : n), 0);
  // A tick per own message: the state it was loaded with, moved on by live receipts.
  const ticks = (m: MsgFragment) => {
    const s = m.messageId <= seenUpTo ? 'SEEN' : m.messageId <= deliveredUpTo ? 'DELIVERED' : (m.deliveryState ?? 'SENT');
    const label = i.t(s === 'SEEN' ? 'seen' : s === 'DELIVERED' ? 'delivered' : 'sent');
    return (
      <span class={`ticks ${s.toLowerCase()}`} data-testid="ticks" data-state={s} title={label}>
        <span aria-hidden="true">{s === 'SENT' ? ' ✓' : ' ✓✓'}</span>
        <span class="sr-only">{label}</span>
      </span>
    );
  };

  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    if (keepFrom.current !== null) {
      el.scrollTop += el.scrollHeight - keepFrom.current;
      keepFrom.current = null;
    } else if (stick.current) el.scrollTop = el.scrollHeight;
  }, [msgs, pending, typing, !!c]);

  const loadOlder = async () => {
    if (!older.more || older.loading) return;
    setOlder((o) => ({ ...o, loading: true }));
    const r = await client.query(MessagesQuery, { id, last: PAGE, before: older.cursor }, { requestPolicy: 'network-only' }).toPromise();
    const page = r.data?.messages;
    keepFrom.current = list.current?.scrollHeight ?? null;
    if (page) add(page.nodes);
    setOlder({ cursor: page?.pageInfo.startCursor ?? older.cursor, more: !!page?.pageInfo.hasPreviousPage, loading: false });
  };

  const onScroll = () => {
    const el = list.current!;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 120) void loadOlder();
  };

  // send tries a few times on a network or server failure: the same clientMessageId makes a
  // retry return the first send, so none is doubled. A refusal (blocked, bad input) is final.
  const send = async (p: Pending) => {
    setPending((all) => [...all.filter((x) => x.clientMessageId !== p.clientMessageId), { ...p, state: 'sending', error: '' }]);
    stick.current = true;
    const fail = (error: string) => setPending((all) => all.map((x) => (x.clientMessageId === p.clientMessageId ? { ...x, state: 'failed', error } : x)));
    for (let attempt = 0; ; attempt++) {
      let transient = true;
      let reason = '';
      try {
        const input = { ...(await p.out.input()), conversationId: id, clientMessageId: p.clientMessageId };
        if (p.out.files.length) {
          const onProgress = (f: number) => setPending((all) => all.map((x) => (x.clientMessageId === p.clientMessageId ? { ...x, progress: f } : x)));
          return add([await uploadSend(live.session.token, input, onProgress)]);
        }
        const r = await client.mutation(SendMutation, { input }).toPromise();
        if (isAuthError(r.error)) return live.signOut('expired');
        if (r.data) return add([r.data.sendMessage.message]);
        const first = r.error?.graphQLErrors[0];
        transient = !!r.error?.networkError || first?.extensions?.code === 'INTERNAL';
        reason = first?.message ?? '';
      } catch (e) {
        const err = e as { auth?: boolean; code?: string; message?: string };
        if (err.auth) return live.signOut('expired');
        transient = !err.code || err.code === 'INTERNAL';
        reason = err.code ? (err.message ?? '') : '';
      }
      if (!transient || attempt >= 2) return fail(reason);
      await new Promise((r) => setTimeout(r, 400 * (attempt + 1)));
    }
  };

  // Sends that failed for want of a connection go again once the socket is back.
  useEffect(() => {
    if (live.reconnects) for (const p of pending) if (p.state === 'failed' && !p.error) void send(p);
  }, [live.reconnects]);

  const submit = (out: Outgoing) => void send({ clientMessageId: newClientMessageId(), out, state: 'sending', createdAt: new Date().toISOString() });

  const [, archive] = useMutation(ArchiveMutation);
  const [, unarchive] = useMutation(UnarchiveMutation);
  const [, del] = useMutation(DeleteMutation);
  const [, block] = useMutation(BlockMutation);
  const [, typingNow] = useMutation(TypingMutation);
  const [, mute] = useMutation(MuteMutation);
  const [, unmute] = useMutation(UnmuteMutation);
  const [, pin] = useMutation(PinMutation);
  const [, unpin] = useMutation(UnpinMutation);
  const [, editMsg] = useMutation(EditMutation);
  const [, unsendMsg] = useMutation(UnsendMutation);
  const [, hideMsg] = useMutation(DeleteForMeMutation);
  const [, addReaction] = useMutation(AddReactionMutation);
  const [, removeReaction] = useMutation(RemoveReactionMutation);
  const [emojiSet] = useQuery({ query: ReactionEmojiQuery });
  const emoji = emojiSet.data?.reactionEmoji ?? [];
  const failed = (e?: { message: string }) => e && setNotice(i.t('error', { msg: e.message }));
  const tools: ToolActions = {
    react: async (m, e, on) => {
      const r = on ? await addReaction({ id: m.id, emoji: e }) : await removeReaction({ id: m.id, emoji: e });
      const msg = r.data && ('addReaction' in r.data ? r.data.addReaction : r.data.removeReaction);
      if (msg) replace(msg);
      failed(r.error);
    },
    edit: (m) => setEditing(m.messageId),
    unsend: async (m) => {
      if (!confirm(i.t('confirmUnsend'))) return;
      const r = await unsendMsg({ id: m.id });
      if (r.data) replace(r.data.unsendMessage);
      failed(r.error);
    },
    deleteForMe: async (m) => {
      const r = await hideMsg({ id: m.id });
      if (r.data?.deleteMessageForMe) drop(m.messageId);
      failed(r.error);
    },
  };
  const saveEdit = async (m: MsgFragment, body: string) => {
    const r = await editMsg({ id: m.id, body });
    if (r.data) {
      replace(r.data.editMessage);
      setEditing(null);
    }
    failed(r.error);
  };

  if (conv.error && !c) return <p role="alert">{i.t('error', { msg: conv.error.message })}</p>;
  if (!c) return <p class="empty">{conv.fetching ? i.t('loading') : i.t('noConversations')}</p>;
  const other = otherSide(c);
  const otherUserId = other?.user?.userId;
  return (
    <div class="thread">
      <header class="thread-head">
        <a class="back" href="#/" aria-label={i.t('back')}>
          ←
        </a>
        <div class="thread-title">
          <h2>{titleOf(c, i)}</h2>
          <p class="sub">
            <span class={`dot ${other?.online ? 'on' : 'off'}`} aria-hidden="true" />
            {other?.name} · {other?.online ? i.t('online') : i.t('offlineDot')}
            {c.booking && ` · ${i.t('booking', { id: c.booking.bookingId })} · ${c.booking.workshop.name}, ${c.booking.workshop.city}`}
          </p>
        </div>
        {c.listing && (
          <div class="listing-card" aria-label={i.t('listing')}>
            <span class="thumb"><Icon name="car" /></span>
            <span>
              <strong>{c.listing.title}</strong>
              <br />
              {i.money(c.listing.price)} · {i.d.status[c.listing.status] ?? c.listing.status}
            </span>
          </div>
        )}
        <div class="thread-actions" role="group" aria-label={i.t('actions')}>
          <button type="button" aria-pressed={c.muted} onClick={() => void (c.muted ? unmute({ id }) : mute({ id }))}>
            {i.t(c.muted ? 'unmute' : 'mute')}
          </button>
          <button
            type="button"
            aria-pressed={!!c.pinnedAt}
            onClick={async () => {
              const r = await (c.pinnedAt ? unpin({ id }) : pin({ id }));
              const code = r.error?.graphQLErrors[0]?.extensions?.code;
              if (r.error) setNotice(code === 'PIN_LIMIT' ? i.t('pinLimit') : i.t('error', { msg: r.error.message }));
            }}
          >
            {i.t(c.pinnedAt ? 'unpin' : 'pin')}
          </button>
          {c.archived ? (
            <button type="button" onClick={() => void unarchive({ id })}>
              {i.t('unarchive')}
            </button>
          ) : (
            <button type="button" onClick={() => void archive({ id })}>
              {i.t('archive')}
            </button>
          )}
          {otherUserId && (
            <button
              type="button"
              onClick={async () => {
                const r = await block({ userId: otherUserId });
                setNotice(r.error ? i.t('error', { msg: r.error.message }) : i.t('blocked', { name: other?.name ?? '' }));
              }}
            >
              {i.t('block', { name: other?.name ?? '' })}
            </button>
          )}
          <button
            type="button"
            class="danger"
            onClick={async () => {
              if (!confirm(i.t('confirmDelete'))) return;
              const r = await del({ id });
              if (r.error) return setNotice(i.t('error', { msg: r.error.message }));
              dispatchEvent(new CustomEvent('parley:gone', { detail: c.conversationId }));
              location.hash = '#/';
            }}
          >
            {i.t('delete')}
          </button>
        </div>
      </header>
      {notice && (
        <p role="status" class="notice">
          {notice}
        </p>
      )}
      <div class="messages" ref={list} onScroll={onScroll} role="log" aria-label={i.t('messages')} tabIndex={0} data-testid="messages">
        <p class="older">{older.loading ? i.t('loadingOlder') : older.more ? '' : i.t('beginning')}</p>
        <ol>
          {ordered.map((m) => (
            <li key={m.messageId} class={`msg ${m.isMine ? 'mine' : 'theirs'} ${m.type === 'SYSTEM' ? 'system' : ''}`} data-message={m.messageId}>
              <div class="bubble">
                {!m.isMine && m.sender && <span class="who">{m.sender.deleted ? i.t('deletedUser') : m.sender.name}</span>}
                {m.replyTo && (
                  <blockquote class="quote" data-testid="quote">
                    <strong>{m.replyTo.sender?.deleted ? i.t('deletedUser') : m.replyTo.senderName}</strong>
                    {m.replyTo.removed ? <em>{i.t('quoteRemoved')}</em> : <span>{m.replyTo.excerpt}</span>}
                  </blockquote>
                )}
                {m.removed ? (
                  <em>{i.t('removed')}</em>
                ) : m.unsentAt ? (
                  <em class="unsent">{i.t('unsent')}</em>
                ) : editing === m.messageId ? (
                  <EditForm m={m} onSave={(body) => void saveEdit(m, body)} onCancel={() => setEditing(null)} />
                ) : (
                  <p class="body">{m.body}</p>
                )}
                {m.attachments.map((a) => (
                  <AttachmentView key={a.id} a={a} />
                ))}
                <Reactions m={m} act={tools} />
                <span class="meta">
                  <time dateTime={m.createdAt}>{i.when(m.createdAt)}</time>
                  {m.isMine && ticks(m)}
                  {m.editedAt && !m.unsentAt && <span class="edited"> · {i.t('edited')}</span>}
                  {m.messageId === lastSeenMine && <span class="seen" data-testid="seen"> · {i.t('seen')}</span>}
                </span>
              </div>
              {!m.removed && !m.unsentAt && m.type !== 'SYSTEM' && (
                <button
                  type="button"
                  class="link reply"
                  onClick={() => setQuoting({ id: m.id, name: m.isMine ? i.t('you') : (m.sender?.name ?? other?.name ?? ''), excerpt: m.body.slice(0, 140) })}
                  aria-label={`${i.t('reply')}: ${m.body.slice(0, 40)}`}
                >
                  {i.t('reply')}
                </button>
              )}
              {m.type !== 'SYSTEM' && <MessageMenu m={m} emoji={emoji} act={tools} />}
              {!m.isMine && !m.removed && m.type !== 'SYSTEM' && (
                <button type="button" class="link report" onClick={() => setReporting(m)} aria-label={`${i.t('report')}: ${m.body.slice(0, 40)}`}>
                  {i.t('report')}
                </button>
              )}
            </li>
          ))}
          {pending.map((p) => (
            <li key={p.clientMessageId} class="msg mine pending" data-pending={p.state}>
              <div class="bubble">
                <p class="body">{p.out.preview}</p>
                {p.out.files.length > 0 && p.state === 'sending' && (
                  <progress max={1} value={p.progress ?? 0} aria-label={i.t('uploading', { name: p.out.files.map((f) => f.name).join(', ') })} />
                )}
                <span class="meta">
                  {p.state === 'sending' ? (
                    i.t('sending')
                  ) : (
                    <>
                      {i.t('failed')} {p.error}{' '}
                      <button type="button" class="link" onClick={() => void send(p)}>
                        {i.t('retry')}
                      </button>
                    </>
                  )}
                </span>
              </div>
            </li>
          ))}
        </ol>
      </div>
      <p class="typing" aria-live="polite" data-testid="typing">
        {typing ? i.t('typing', { name: typing.name }) : ''}
      </p>
      <Composer
        conversationId={id}
        viewerId={viewerId}
        onSend={submit}
        onTyping={() => void typingNow({ id })}
        quoting={quoting}
        onCancelQuote={() => setQuoting(null)}
      />
      {reporting && <ReportDialog message={reporting} onClose={() => setReporting(null)} />}
    </div>
  );
}
