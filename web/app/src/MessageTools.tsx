// What one can do to a message already sent: react (chips with counts, a picker), edit and
// unsend one's own, delete any for oneself. The thread applies the results and the live
// messageChanged events alike.
import { useState } from 'preact/hooks';
import { useI18n } from './i18n';
import type { MsgFragment } from './gql/graphql';

export interface ToolActions {
  react: (m: MsgFragment, emoji: string, on: boolean) => void;
  edit: (m: MsgFragment) => void;
  unsend: (m: MsgFragment) => void;
  deleteForMe: (m: MsgFragment) => void;
}

export function Reactions({ m, act }: { m: MsgFragment; act: ToolActions }) {
  const i = useI18n();
  if (!m.reactions.length) return null;
  return (
    <span class="reactions" data-testid="reactions">
      {m.reactions.map((r) => (
        <button
          type="button"
          key={r.emoji}
          class={`chip ${r.reactedByMe ? 'on' : ''}`}
          aria-pressed={r.reactedByMe}
          aria-label={`${i.t('reactWith', { emoji: r.emoji })}: ${r.count}`}
          onClick={() => act.react(m, r.emoji, !r.reactedByMe)}
        >
          {r.emoji} <span class="count">{r.count}</span>
        </button>
      ))}
    </span>
  );
}

export function MessageMenu({ m, emoji, act }: { m: MsgFragment; emoji: readonly string[]; act: ToolActions }) {
  const i = useI18n();
  const [open, setOpen] = useState(false);
  const gone = !!m.unsentAt || m.removed;
  const run = (f: () => void) => () => {
    setOpen(false);
    f();
  };
  return (
    <span class="msg-menu">
      <button type="button" class="link more" aria-expanded={open} aria-label={i.t('messageActions')} onClick={() => setOpen(!open)}>
        ⋯
      </button>
      {open && (
        <span class="menu" role="group" aria-label={i.t('messageActions')}>
          {!gone &&
            emoji.map((e) => {
              const mine = m.reactions.some((r) => r.emoji === e && r.reactedByMe);
              return (
                <button type="button" key={e} class="emoji" aria-pressed={mine} aria-label={i.t('reactWith', { emoji: e })} onClick={run(() => act.react(m, e, !mine))}>
                  {e}
                </button>
              );
            })}
          {m.isMine && !gone && m.type === 'TEXT' && (
            <button type="button" onClick={run(() => act.edit(m))}>
              {i.t('edit')}
            </button>
          )}
          {m.isMine && !gone && (
            <button type="button" onClick={run(() => act.unsend(m))}>
              {i.t('unsend')}
            </button>
          )}
          <button type="button" onClick={run(() => act.deleteForMe(m))}>
            {i.t('deleteForMe')}
          </button>
        </span>
      )}
    </span>
  );
}

export function EditForm({ m, onSave, onCancel }: { m: MsgFragment; onSave: (body: string) => void; onCancel: () => void }) {
  const i = useI18n();
  const [body, setBody] = useState(m.body);
  return (
    <form
      class="edit-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (body.trim()) onSave(body);
      }}
    >
      <textarea aria-label={i.t('edit')} value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} rows={2} />
      <span>
        <button type="submit">{i.t('save')}</button>{' '}
        <button type="button" class="link" onClick={onCancel}>
          {i.t('cancel')}
        </button>
      </span>
    </form>
  );
}
