// Reporting a message: a modal dialog with a reason and optional details.
import { useMutation } from '@urql/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useI18n } from './i18n';
import { ReportMutation } from './ops';
import type { MsgFragment, ReportReason } from './gql/graphql';

export function ReportDialog({ message, onClose }: { message: MsgFragment; onClose(): void }) {
  const i = useI18n();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState<ReportReason>('SPAM');
  const [details, setDetails] = useState('');
  const [state, setState] = useState('');
  const [, report] = useMutation(ReportMutation);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} onClose={onClose} aria-labelledby="report-title" class="report-dialog">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await report({ input: { messageId: message.id, reason, details: details || null } });
          setState(r.error ? i.t('error', { msg: r.error.message }) : i.t('reported'));
        }}
      >
        <h2 id="report-title">{i.t('reportTitle')}</h2>
        <blockquote>{message.body}</blockquote>
        <label>
          {i.t('reason')}
          <select value={reason} onChange={(e) => setReason((e.target as HTMLSelectElement).value as ReportReason)}>
            {(['SPAM', 'HARASSMENT', 'FRAUD', 'INAPPROPRIATE', 'OTHER'] as const).map((r) => (
              <option key={r} value={r}>
                {i.d.reasons[r]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {i.t('details')}
          <textarea rows={3} value={details} onInput={(e) => setDetails((e.target as HTMLTextAreaElement).value)} />
        </label>
        {state && <p role="status">{state}</p>}
        <div class="row-buttons">
          {!state && <button type="submit">{i.t('report')}</button>}
          <button type="button" onClick={() => dialog.current?.close()}>
            {state ? i.t('close') : i.t('cancel')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
