// The notifications panel: newest first, live additions, mark one or all read.
import { useMutation, useQuery, useSubscription } from '@urql/preact';
import { useI18n } from './i18n';
import { MarkAllNotificationsMutation, MarkNotificationsMutation, NotificationAddedSubscription, NotificationsQuery } from './ops';

export function Notifications() {
  const i = useI18n();
  const [res, refetch] = useQuery({ query: NotificationsQuery, variables: { first: 50 } });
  useSubscription({ query: NotificationAddedSubscription }, (_, ev) => {
    refetch({ requestPolicy: 'network-only' });
    return ev;
  });
  const [, markOne] = useMutation(MarkNotificationsMutation);
  const [, markAll] = useMutation(MarkAllNotificationsMutation);
  const list = res.data?.notifications;
  const after = () => refetch({ requestPolicy: 'network-only' });
  return (
    <div class="notifications">
      <header class="thread-head">
        <a class="back" href="#/" aria-label={i.t('back')}>
          ←
        </a>
        <h2>{i.t('notifications')}</h2>
        <span class="spacer" />
        <button type="button" disabled={!list?.unreadTotal} onClick={() => void markAll({}).then(after)}>
          {i.t('markAllRead')}
        </button>
      </header>
      {list && list.nodes.length === 0 && <p class="empty">{i.t('noNotifications')}</p>}
      <ul class="notification-list">
        {list?.nodes.map((n) => (
          <li key={n.id} class={n.isRead ? 'read' : 'unread'}>
            <div>
              <strong>{n.title}</strong>
              <p>{n.body}</p>
              <time dateTime={n.createdAt}>{i.when(n.createdAt)}</time>
              {n.conversation && (
                <>
                  {' · '}
                  <a href={`#/c/${n.conversation.conversationId}`}>{i.t('messages')}</a>
                </>
              )}
            </div>
            {!n.isRead && (
              <button type="button" onClick={() => void markOne({ ids: [n.id] }).then(after)} aria-label={`${i.t('markRead')}: ${n.title}`}>
                {i.t('markRead')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
