// Settings: Web Push on this device, and the viewer's data exports (GDPR access).
import { useMutation, useQuery } from '@urql/preact';
import { useEffect, useState } from 'preact/hooks';
import { useI18n } from './i18n';
import { useLiveContext } from './live';
import { downloadAuthed } from './Attachments';
import { DataExportsQuery, RegisterPushMutation, RemovePushMutation, RequestDataExportMutation, VapidKeyQuery } from './ops';

export function Settings() {
  const i = useI18n();
  return (
    <div class="settings">
      <header class="thread-head">
        <a class="back" href="#/" aria-label={i.t('back')}>
          ←
        </a>
        <h2>{i.t('settings')}</h2>
      </header>
      <PushToggle />
      <DataExports />
    </div>
  );
}

const pushSupported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

// The worker registers whenever the server offers push, so a subscription made earlier keeps
// showing notifications; subscribing happens only when the user turns the toggle on.
function registerWorker(): Promise<ServiceWorkerRegistration> {
  return navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' });
}

function PushToggle() {
  const i = useI18n();
  const [key] = useQuery({ query: VapidKeyQuery });
  const [, register] = useMutation(RegisterPushMutation);
  const [, remove] = useMutation(RemovePushMutation);
  const [reg, setReg] = useState<ServiceWorkerRegistration | null>(null);
  const [on, setOn] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const vapid = key.data?.vapidPublicKey ?? '';
  const supported = pushSupported();
  useEffect(() => {
    if (!supported || !vapid) return;
    registerWorker()
      .then(async (r) => {
        setReg(r);
        setOn(!!(await r.pushManager.getSubscription()));
      })
      .catch((e: Error) => setError(e.message));
  }, [vapid]);
  if (!supported || !vapid) return null;

  const toggle = async () => {
    if (!reg) return;
    setBusy(true);
    setError('');
    try {
      if (on) {
        const sub = await reg.pushManager.getSubscription();
        if (sub) {
          await remove({ endpoint: sub.endpoint });
          await sub.unsubscribe();
        }
        setOn(false);
      } else {
        if ((await Notification.requestPermission()) !== 'granted') throw new Error(i.t('pushDenied'));
        const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64url(vapid) });
        const r = await register({ input: { endpoint: sub.endpoint, p256dh: toBase64url(sub.getKey('p256dh')), auth: toBase64url(sub.getKey('auth')) } });
        if (r.error) {
          await sub.unsubscribe();
          throw new Error(r.error.graphQLErrors[0]?.message ?? r.error.message);
        }
        setOn(true);
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="setting" aria-labelledby="push-title">
      <h3 id="push-title">{i.t('pushTitle')}</h3>
      <label class="toggle">
        <input type="checkbox" role="switch" checked={on} disabled={!reg || busy} onChange={() => void toggle()} data-testid="push-toggle" />
        {i.t('notifyDevice')}
      </label>
      {error && <p role="alert">{i.t('error', { msg: error })}</p>}
    </section>
  );
}

function fromBase64url(s: string): Uint8Array<ArrayBuffer> {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

function toBase64url(buf: ArrayBuffer | null): string {
  if (!buf) return '';
  return btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function DataExports() {
  const i = useI18n();
  const { session } = useLiveContext();
  const [res, refetch] = useQuery({ query: DataExportsQuery, requestPolicy: 'network-only' });
  const [asked, ask] = useMutation(RequestDataExportMutation);
  const [error, setError] = useState('');
  const list = res.data?.dataExports ?? [];
  const pending = list.some((x) => x.status === 'PENDING');
  // An archive is built in the background: look again every few seconds while one is pending.
  useEffect(() => {
    if (!pending) return;
    const t = setInterval(() => refetch({ requestPolicy: 'network-only' }), 3000);
    return () => clearInterval(t);
  }, [pending]);
  const request = async () => {
    setError('');
    const r = await ask({});
    if (r.error) setError(r.error.graphQLErrors[0]?.message ?? r.error.message);
    refetch({ requestPolicy: 'network-only' });
  };
  const save = (url: string, id: string) =>
    downloadAuthed(session.token, url, `parley-export-${id}.zip`).catch((e: Error) => setError(e.message));
  return (
    <section class="setting" aria-labelledby="export-title">
      <h3 id="export-title">{i.t('yourData')}</h3>
      <p>{i.t('exportHelp')}</p>
      <button type="button" disabled={asked.fetching || pending} onClick={() => void request()}>
        {i.t('downloadMyData')}
      </button>
      {error && <p role="alert">{i.t('error', { msg: error })}</p>}
      {res.error && !res.data && <p role="alert">{i.t('error', { msg: res.error.message })}</p>}
      <ul class="exports" data-testid="exports">
        {list.map((x) => (
          <li key={x.id} data-status={x.status}>
            <time dateTime={x.createdAt}>{i.when(x.createdAt)}</time>
            {' · '}
            <span>{i.d.exportStatus[x.status]}</span>
            {x.status === 'DONE' && x.downloadUrl && (
              <>
                {' · '}
                <button type="button" class="link" onClick={() => void save(x.downloadUrl!, x.id)}>
                  {i.t('downloadExport', { size: i.bytes(x.sizeBytes) })}
                </button>
              </>
            )}
            {x.expiresAt && x.status === 'DONE' && <span class="muted"> · {i.t('expires', { when: i.when(x.expiresAt) })}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
