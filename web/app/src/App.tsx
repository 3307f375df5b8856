// The app's frame: sign-in until a token is accepted, then the inbox, a thread or the
// notifications, with a banner while the live connection is down.
import { Icon } from './icons';
import { Provider, useQuery, useSubscription } from '@urql/preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { I18n, I18nContext, initialLang, saveLang, useI18n, type Lang } from './i18n';
import { ConversationUpdatedSubscription, UnreadSubscription, ViewerQuery } from './ops';
import { isAuthError, openSession, savedToken, saveToken, type Connection, type Session } from './session';
import { SignIn } from './SignIn';
import { LangSwitch } from './LangSwitch';
import { LiveContext, useLiveContext } from './live';
import { Inbox } from './Inbox';
import { Thread } from './Thread';
import { Notifications } from './Notifications';
import { Start } from './Start';
import { Search } from './Search';
import { Settings } from './Settings';


export function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const i18n = useMemo(() => new I18n(lang), [lang]);
  const [session, setSession] = useState<Session | null>(null);
  const [notice, setNotice] = useState('');
  const [connection, setConnection] = useState<Connection>('connecting');
  const [reconnects, setReconnects] = useState(0);
  const sessionRef = useRef<Session | null>(null);

  const signOut = useCallback((reason = '') => {
    sessionRef.current?.close();
    sessionRef.current = null;
    saveToken('');
    setSession(null);
    setNotice(reason);
  }, []);

  const signIn = useCallback(
    (token: string) => {
      sessionRef.current?.close();
      saveToken(token);
      setNotice('');
      const s = openSession(token, {
        onConnection: setConnection,
        onReconnected: () => setReconnects((n) => n + 1),
        onAuthFailure: () => signOut('expired'),
      });
      sessionRef.current = s;
      setSession(s);
    },
    [signOut],
  );

  useEffect(() => {
    saveLang(lang);
  }, [lang]);
  // A host site hands the token over in the fragment (/app/#token=...), which never reaches a
  // server log; it is moved to sessionStorage and dropped from the address at once.
  useEffect(() => {
    const handed = /^#token=([^&]+)/.exec(location.hash);
    if (handed) history.replaceState(null, '', location.pathname + location.search);
    const t = handed ? decodeURIComponent(handed[1]) : savedToken();
    if (t) signIn(t);
  }, []);

  const changeLang = (l: Lang) => setLang(l);
  return (
    <I18nContext.Provider value={i18n}>
      {session ? (
        <Provider value={session.client}>
          <LiveContext.Provider value={{ session, connection, reconnects, signOut }}>
            <Shell lang={lang} setLang={changeLang} key={session.token} />
          </LiveContext.Provider>
        </Provider>
      ) : (
        <SignIn lang={lang} setLang={changeLang} notice={notice} onToken={signIn} />
      )}
    </I18nContext.Provider>
  );
}

function useRoute(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash.replace(/^#\/?/, '');
}

function Shell({ lang, setLang }: { lang: Lang; setLang(l: Lang): void }) {
  const i = useI18n();
  const live = useLiveContext();
  const [viewer] = useQuery({ query: ViewerQuery });
  // The counts entity is keyed 'viewer': each event rewrites what ViewerQuery shows.
  useSubscription({ query: UnreadSubscription });
  const [inboxNonce, setInboxNonce] = useState(0);
  useSubscription({ query: ConversationUpdatedSubscription }, (_, ev) => {
    if (!known.current.has(ev.conversationUpdated.id)) setInboxNonce((n) => n + 1);
    return ev;
  });
  const known = useRef(new Set<string>());
  useEffect(() => {
    if (live.reconnects) setInboxNonce((n) => n + 1);
  }, [live.reconnects]);
  useEffect(() => {
    if (isAuthError(viewer.error)) live.signOut('expired');
  }, [viewer.error]);

  const route = useRoute();
  const threadId = route.startsWith('c/') ? decodeURIComponent(route.slice(2)) : '';
  const showNotifications = route === 'notifications';
  const panel = route === 'search' || route === 'settings' ? route : '';
  const start = /^start\/(listing|booking)\/(.+)$/.exec(route);
  const counts = viewer.data?.unreadCounts;
  const me = viewer.data?.viewer;
  return (
    <div class={`shell ${threadId || showNotifications || start || panel ? 'has-detail' : 'no-detail'}`}>
      <header class="top">
        <h1 class="brand">
          <a href="#/">{i.t('appName')}</a>
        </h1>
        {counts && (
          <span class="total" aria-live="polite" data-testid="total-unread">
            {i.t('totalUnread', { n: i.num(counts.messages) })}
          </span>
        )}
        <span class="spacer" />
        <a class="notif-button" href="#/search" aria-label={i.t('searchMessages')} title={i.t('searchMessages')}>
          <Icon name="search" />
        </a>
        <a class="notif-button" href="#/notifications" aria-label={`${i.t('notifications')} (${counts?.notifications ?? 0})`}>
          <Icon name="bell" />
          {!!counts?.notifications && (
            <span class="badge" data-testid="notification-badge">
              {i.num(counts.notifications)}
            </span>
          )}
        </a>
        <a class="notif-button" href="#/settings" aria-label={i.t('settings')} title={i.t('settings')}>
          <Icon name="gear" />
        </a>
        <LangSwitch lang={lang} setLang={setLang} />
        {me && (
          <span class="me" data-testid="viewer">
            {me.name} · {i.d.roles[me.role]}
          </span>
        )}
        <button type="button" onClick={() => live.signOut()}>
          {i.t('signOut')}
        </button>
      </header>
      <ConnectionBanner connection={live.connection} />
      <main class="panes">
        <Inbox selected={threadId} nonce={inboxNonce} known={known.current} />
        <section class="detail" aria-label={showNotifications ? i.t('notifications') : panel ? i.t(panel === 'search' ? 'searchMessages' : 'settings') : i.t('messages')}>
          {panel === 'search' ? (
            <Search />
          ) : panel === 'settings' ? (
            <Settings />
          ) : start ? (
            <Start kind={start[1]} subject={decodeURIComponent(start[2])} />
          ) : showNotifications ? (
            <Notifications />
          ) : threadId ? (
            <Thread id={threadId} key={threadId} viewerId={me?.userId ?? ''} />
          ) : (
            <p class="empty">{i.t('chooseConversation')}</p>
          )}
        </section>
      </main>
    </div>
  );
}

function ConnectionBanner({ connection }: { connection: Connection }) {
  const i = useI18n();
  if (connection === 'online' || connection === 'connecting') return <div role="status" class="sr-only" />;
  return (
    <div role="status" class={`banner ${connection}`} data-testid="connection-banner">
      {connection === 'offline' ? i.t('offline') : i.t('reconnecting')}
    </div>
  );
}

