// Sign-in: paste a bearer token, or (only when the server offers the list: `parley serve
// --seed` without an operator's secret) pick a demo user.
import { useEffect, useState } from 'preact/hooks';
import { useI18n, type Lang } from './i18n';
import { LangSwitch } from './LangSwitch';

interface DemoUser {
  id: string;
  name: string;
  role: string;
  token: string;
}

export function SignIn(props: { lang: Lang; setLang(l: Lang): void; notice: string; onToken(t: string): void }) {
  const i = useI18n();
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [demo, setDemo] = useState<DemoUser[]>([]);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    fetch('/app/dev-users')
      .then((r) => (r.ok ? r.json() : { users: [] }))
      .then((d: { users: DemoUser[] }) => setDemo(d.users ?? []))
      .catch(() => setDemo([]));
  }, []);

  // check asks for the viewer with the token, so a refused one is told here and not later.
  async function check(t: string) {
    setBusy(true);
    setError('');
    try {
      const r = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      });
      const body = await r.json().catch(() => ({}));
      if (!r.ok || body.errors || !body.data?.viewer) {
        setError(i.t('badToken'));
        return;
      }
      props.onToken(t);
    } catch (e) {
      setError(i.t('error', { msg: String(e) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <div class="signin-top">
        <LangSwitch lang={props.lang} setLang={props.setLang} />
      </div>
      <h1>{i.t('signInTitle')}</h1>
      {props.notice === 'expired' && (
        <p role="alert" class="notice" data-testid="signin-notice">
          {i.t('expired')}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) void check(token.trim());
        }}
      >
        <label for="token">{i.t('tokenLabel')}</label>
        <textarea id="token" rows={3} value={token} aria-describedby="token-help" onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)} />
        <p id="token-help" class="help">
          {i.t('tokenHelp')}
        </p>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {i.t('signIn')}
        </button>
      </form>
      {demo.length > 0 && (
        <section aria-labelledby="demo-title" class="demo">
          <h2 id="demo-title">{i.t('signInAs')}</h2>
          <ul>
            {demo.map((u) => (
              <li key={u.id}>
                <button type="button" data-user={u.id} onClick={() => void check(u.token)}>
                  {u.name} <span class="role">{i.d.roles[u.role] ?? u.role}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
