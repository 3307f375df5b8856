// The message box: Enter sends, Shift+Enter breaks the line; files by picker, drag and drop or
// paste; a template with a form for its {{variables}}. Typing tells the other side, at most
// every three seconds.
import { Icon } from './icons';
import { useQuery } from '@urql/preact';
import { useRef, useState } from 'preact/hooks';
import { useI18n } from './i18n';
import { TemplatesQuery } from './ops';
import type { SendMessageInput } from './gql/graphql';

export interface Outgoing {
  preview: string;
  files: File[];
  input(): Promise<Omit<SendMessageInput, 'conversationId'>>;
}

// Quoting is the message a reply quotes, shown above the box until sent or cancelled.
export interface Quoting {
  id: string;
  name: string;
  excerpt: string;
}

export function Composer(props: {
  conversationId: string;
  viewerId: string;
  onSend(o: Outgoing): void;
  onTyping(): void;
  quoting?: Quoting | null;
  onCancelQuote?(): void;
}) {
  const i = useI18n();
  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [dragging, setDragging] = useState(false);
  const [templateOpen, setTemplateOpen] = useState(false);
  const lastTyping = useRef(0);
  const picker = useRef<HTMLInputElement>(null);

  const submit = () => {
    const body = text.trim();
    if (!body && !files.length) return;
    const chosen = files;
    const type = chosen.length ? (chosen.every((f) => f.type.startsWith('image/')) ? 'IMAGE' : 'DOCUMENT') : 'TEXT';
    const replyToId = props.quoting?.id ?? null;
    props.onSend({
      preview: body || chosen.map((f) => f.name).join(', '),
      files: chosen,
      input: async () => ({ body, type, replyToId, attachments: chosen.map((f) => ({ file: f, name: f.name, contentType: f.type || 'application/octet-stream' })) }),
    });
    props.onCancelQuote?.();
    setText('');
    setFiles([]);
  };

  const addFiles = (list: FileList | null | undefined) => {
    if (list?.length) setFiles((f) => [...f, ...Array.from(list)]);
  };

  return (
    <form
      class={`composer ${dragging ? 'dragging' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        addFiles(e.dataTransfer?.files);
      }}
    >
      {dragging && <p class="drop-hint">{i.t('dropHere')}</p>}
      {props.quoting && (
        <div class="quoting" data-testid="quoting">
          <blockquote class="quote">
            <strong>{i.t('replyingTo', { name: props.quoting.name })}</strong>
            <span>{props.quoting.excerpt}</span>
          </blockquote>
          <button type="button" class="link" aria-label={i.t('cancelReply')} onClick={() => props.onCancelQuote?.()}>
            ✕
          </button>
        </div>
      )}
      {files.length > 0 && (
        <ul class="chosen" aria-label={i.t('attach')}>
          {files.map((f, k) => (
            <li key={k}>
              {f.name} ({i.bytes(f.size)}){' '}
              <button type="button" class="link" aria-label={i.t('removeFile', { name: f.name })} onClick={() => setFiles((all) => all.filter((_, j) => j !== k))}>
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="compose-row">
        <button type="button" class="icon" aria-label={i.t('attach')} title={i.t('attach')} onClick={() => picker.current?.click()}>
          <Icon name="clip" />
        </button>
        <input ref={picker} type="file" multiple class="sr-only" tabIndex={-1} aria-hidden="true" data-testid="file-input" onChange={(e) => {
          addFiles((e.target as HTMLInputElement).files);
          (e.target as HTMLInputElement).value = '';
        }} />
        <button type="button" class="icon" aria-label={i.t('templates')} title={i.t('templates')} aria-expanded={templateOpen} onClick={() => setTemplateOpen((o) => !o)}>
          <Icon name="list" />
        </button>
        <label for={`compose-${props.conversationId}`} class="sr-only">
          {i.t('messageLabel')}
        </label>
        <textarea
          id={`compose-${props.conversationId}`}
          rows={2}
          placeholder={i.t('messagePlaceholder')}
          value={text}
          onInput={(e) => {
            setText((e.target as HTMLTextAreaElement).value);
            if (Date.now() - lastTyping.current > 3000) {
              lastTyping.current = Date.now();
              props.onTyping();
            }
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
          onPaste={(e) => {
            if (e.clipboardData?.files.length) {
              e.preventDefault();
              addFiles(e.clipboardData.files);
            }
          }}
        />
        <button type="submit">{i.t('send')}</button>
      </div>
      {templateOpen && (
        <TemplateForm
          onClose={() => setTemplateOpen(false)}
          onSend={(tpl, vars, preview) => {
            setTemplateOpen(false);
            props.onSend({ preview, files: [], input: async () => ({ templateId: tpl, variables: vars }) });
          }}
        />
      )}
    </form>
  );
}

function TemplateForm(props: { onClose(): void; onSend(templateId: string, vars: Record<string, string>, preview: string): void }) {
  const i = useI18n();
  const [res] = useQuery({ query: TemplatesQuery });
  const templates = res.data?.messageTemplates ?? [];
  const [chosen, setChosen] = useState('');
  const [vars, setVars] = useState<Record<string, string>>({});
  const tpl = templates.find((t) => t.id === chosen) ?? templates[0];
  if (!templates.length) return <p class="empty">{res.fetching ? i.t('loading') : '—'}</p>;
  const preview = tpl.content.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k) => vars[k] || `{{${k}}}`);
  return (
    <fieldset class="template-form">
      <legend>{i.t('useTemplate')}</legend>
      <label>
        {i.t('template')}
        <select value={tpl.id} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}>
          {templates.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </label>
      {tpl.variables.map((v) => (
        <label key={tpl.id + v}>
          {v}
          <input name={v} value={vars[v] ?? ''} required onInput={(e) => setVars({ ...vars, [v]: (e.target as HTMLInputElement).value })} />
        </label>
      ))}
      <p class="template-preview">{preview}</p>
      <div class="row-buttons">
        <button type="button" onClick={() => tpl.variables.every((v) => vars[v]) && props.onSend(tpl.id, vars, preview)}>
          {i.t('sendTemplate')}
        </button>
        <button type="button" onClick={props.onClose}>
          {i.t('cancel')}
        </button>
      </div>
    </fieldset>
  );
}
