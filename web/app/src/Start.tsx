// A link from the marketplace (#/start/listing/<id> or #/start/booking/<id>) opens the
// conversation about it, starting it when there is none yet.
import { useMutation } from '@urql/preact';
import { useEffect, useState } from 'preact/hooks';
import { useI18n } from './i18n';
import { StartMutation } from './ops';

export function Start({ kind, subject }: { kind: string; subject: string }) {
  const i = useI18n();
  const [, start] = useMutation(StartMutation);
  const [error, setError] = useState('');
  useEffect(() => {
    const input = kind === 'booking' ? { bookingId: Number(subject) } : { listingId: subject };
    void start({ input }).then((r) => {
      const c = r.data?.startConversation.conversation;
      if (c) location.replace(`#/c/${encodeURIComponent(c.conversationId)}`);
      else setError(r.error?.message ?? '');
    });
  }, [kind, subject]);
  return error ? <p role="alert">{i.t('error', { msg: error })}</p> : <p class="empty">{i.t('loading')}</p>;
}
