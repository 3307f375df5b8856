package db

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/uptrace/bun"
)

// Web Push (issue 15, "when the user is away"). The send writes a notification row per
// recipient in its own transaction; push workers on every replica queue those rows
// (push_jobs) and claim them with a lease, as the webhook workers claim deliveries, so a
// replica that dies leaves its claims to the others and nothing is lost. The send path writes
// nothing for push.

// PushSubscription is a browser's push subscription.
type PushSubscription struct {
	ID        int64     `bun:"id,pk,autoincrement"`
	UserID    string    `bun:"user_id"`
	Endpoint  string    `bun:"endpoint"`
	P256dh    string    `bun:"p256dh"`
	Auth      string    `bun:"auth"`
	CreatedAt time.Time `bun:"created_at"`
}

// RegisterPushSubscription stores a subscription for userID, taking the endpoint over from
// whoever held it (the browser now belongs to this user).
func (s *Store) RegisterPushSubscription(ctx context.Context, userID, endpoint, p256dh, auth string) (*PushSubscription, error) {
	sub := new(PushSubscription)
	err := s.DB.NewRaw(`INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth) VALUES (?, ?, ?, ?)
		ON CONFLICT (endpoint) DO UPDATE SET user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
			created_at = CASE WHEN push_subscriptions.user_id = EXCLUDED.user_id THEN push_subscriptions.created_at ELSE now() END
		RETURNING *`, userID, endpoint, p256dh, auth).Scan(ctx, sub)
	if err != nil {
		return nil, fmt.Errorf("register push subscription: %w", err)
	}
	// Each subscription costs the worker a request per push: the oldest beyond the cap go. By
	// created_at, not id: an endpoint taken over from another user keeps its old id.
	_, err = s.DB.NewRaw(`DELETE FROM push_subscriptions WHERE user_id = ?0 AND id NOT IN (
		SELECT id FROM push_subscriptions WHERE user_id = ?0 ORDER BY created_at DESC, id DESC LIMIT ?1)`, userID, MaxPushSubscriptions).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("trim push subscriptions: %w", err)
	}
	return sub, nil
}

// MaxPushSubscriptions is how many browsers one user may register; a new one past it
// replaces the oldest.
const MaxPushSubscriptions = 10

// RemovePushSubscription removes userID's subscription at endpoint; false when userID holds
// none there (someone else's endpoint is left alone and looks the same as an unknown one).
func (s *Store) RemovePushSubscription(ctx context.Context, userID, endpoint string) (bool, error) {
	res, err := s.DB.NewDelete().Table("push_subscriptions").Where("user_id = ? AND endpoint = ?", userID, endpoint).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("remove push subscription: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// PushSubscriptionsOf lists a user's subscriptions.
func (s *Store) PushSubscriptionsOf(ctx context.Context, userID string) ([]*PushSubscription, error) {
	var subs []*PushSubscription
	err := s.DB.NewRaw("SELECT * FROM push_subscriptions WHERE user_id = ? ORDER BY id", userID).Scan(ctx, &subs)
	if err != nil {
		return nil, fmt.Errorf("load push subscriptions: %w", err)
	}
	return subs, nil
}

// DropPushSubscription forgets a subscription the push service called dead (404, 410).
func (s *Store) DropPushSubscription(ctx context.Context, id int64) error {
	if _, err := s.DB.NewDelete().Table("push_subscriptions").Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("drop push subscription: %w", err)
	}
	return nil
}

// QueuePushJobs queues message.received notifications that are not queued yet (up to limit),
// and returns how many it queued: those above the newest queued one, or with full, every one
// above the floor (a lower id whose send committed late). Workers on several replicas may run
// it at once: the primary key keeps one job per notification.
func (s *Store) QueuePushJobs(ctx context.Context, limit int, full bool) (int, error) {
	from := "greatest((SELECT floor FROM push_cursor), (SELECT coalesce(max(notification_id), 0) FROM push_jobs))"
	if full {
		from = "(SELECT floor FROM push_cursor)"
	}
	res, err := s.DB.NewRaw(`INSERT INTO push_jobs (notification_id)
		SELECT n.id FROM notifications AS n
		WHERE n.id > `+from+` AND n.type = 'message.received'
			AND NOT EXISTS (SELECT 1 FROM push_jobs AS j WHERE j.notification_id = n.id)
		ORDER BY n.id LIMIT ?
		ON CONFLICT DO NOTHING`, limit).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("queue push jobs: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// pushFloorLag is how old a job must be before the floor passes it. A notification's id is
// taken inside its send's transaction, so a lower id can commit after a higher one was
// queued; a send transaction lasting this long would be missed.
const pushFloorLag = 5 * time.Minute

// TidyPushJobs raises the floor past jobs queued more than pushFloorLag ago and deletes
// finished jobs below it that are a day old.
func (s *Store) TidyPushJobs(ctx context.Context) error {
	_, err := s.DB.NewRaw(`WITH up AS (
			UPDATE push_cursor SET floor = greatest(floor, coalesce((SELECT max(notification_id) FROM push_jobs
				WHERE created_at < now() - ?::interval), 0))
			RETURNING floor)
		DELETE FROM push_jobs WHERE status = 'done' AND created_at < now() - interval '1 day'
			AND notification_id < (SELECT floor FROM up)`, ttl(pushFloorLag)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("tidy push jobs: %w", err)
	}
	return nil
}

// PushJob is a claimed notification to push, with what deciding and rendering it needs.
type PushJob struct {
	NotificationID int64  `bun:"notification_id"`
	LeaseToken     int64  `bun:"lease_token"`
	Attempts       int    `bun:"attempts"`
	UserID         string `bun:"user_id"`
	Locale         string `bun:"locale"`
	ConversationID int64  `bun:"conversation_id"`
	MessageID      int64  `bun:"message_id"`
	// Party is the participant the user reads as: the user, or org:<org_nr> for a workshop user.
	Party        string     `bun:"party"`
	SenderUserID string     `bun:"sender_user_id"`
	SenderName   string     `bun:"sender_name"`
	ReadAt       *time.Time `bun:"read_at"`
	CreatedAt    time.Time  `bun:"created_at"`
	// Online: the user holds a live subscription on some replica (the presence table).
	Online bool `bun:"online"`
	// Muted: the party muted the thread after the send (a mute before it wrote no notification).
	Muted bool `bun:"muted"`
	// Collapsed: a push about this conversation went out within the collapse window and its
	// notification is still unread.
	Collapsed bool `bun:"collapsed"`
}

// ClaimPushJobs claims up to limit due jobs for lease, with their facts as of now. window is
// the collapse window (see PushJob.Collapsed).
func (s *Store) ClaimPushJobs(ctx context.Context, limit int, lease, window time.Duration) ([]*PushJob, error) {
	var jobs []*PushJob
	err := s.DB.NewRaw(`WITH due AS (
			SELECT j.notification_id FROM push_jobs AS j
			WHERE j.status = 'pending' AND j.leased_until <= now()
			ORDER BY j.leased_until, j.notification_id LIMIT ?0
			FOR UPDATE SKIP LOCKED),
		claimed AS (
			UPDATE push_jobs AS j SET leased_until = now() + make_interval(secs => ?1), lease_token = ?2, attempts = j.attempts + 1
			FROM due WHERE j.notification_id = due.notification_id
			RETURNING j.notification_id, j.lease_token, j.attempts)
		SELECT c.notification_id, c.lease_token, c.attempts, n.user_id, coalesce(u.locale, '') AS locale,
			coalesce(n.conversation_id, 0) AS conversation_id, coalesce(n.message_id, 0) AS message_id,
			CASE WHEN u.role = 'workshop' THEN 'org:' || u.org_nr ELSE u.id END AS party,
			coalesce(m.sender_user_id, '') AS sender_user_id,
			coalesce(su.name, '') AS sender_name, n.read_at, n.created_at,
			EXISTS (SELECT 1 FROM presence AS pr JOIN replicas AS r ON r.id = pr.replica_id
				WHERE pr.user_id = n.user_id AND r.seen_at > now() - ?3::interval) AS online,
			EXISTS (SELECT 1 FROM participants AS pp WHERE pp.conversation_id = n.conversation_id
				AND pp.party_id = CASE WHEN u.role = 'workshop' THEN 'org:' || u.org_nr ELSE u.id END
				AND pp.muted_at IS NOT NULL AND (pp.muted_until IS NULL OR pp.muted_until > now())) AS muted,
			EXISTS (SELECT 1 FROM push_sent AS ps JOIN notifications AS pn ON pn.id = ps.notification_id
				WHERE ps.user_id = n.user_id AND ps.conversation_id = n.conversation_id
					-- clock_timestamp, not now(): this transaction began before its snapshot
					-- (planning runs between), and a push another worker committed in between
					-- is no reason to collapse when the window is nil.
					AND ps.sent_at > clock_timestamp() - ?4::interval AND pn.read_at IS NULL) AS collapsed
		FROM claimed AS c
		JOIN notifications AS n ON n.id = c.notification_id
		JOIN users AS u ON u.id = n.user_id
		LEFT JOIN messages AS m ON m.id = n.message_id
		LEFT JOIN users AS su ON su.id = m.sender_user_id
		ORDER BY c.notification_id`,
		limit, lease.Seconds(), rand.Int64(), ttl(PresenceTTL), ttl(window)).Scan(ctx, &jobs)
	if err != nil {
		return nil, fmt.Errorf("claim push jobs: %w", err)
	}
	return jobs, nil
}

// FinishPushJob ends a claimed job with outcome (sent, online, read, ...), or puts it back
// for retryAt. It returns false, changing nothing, when the claim was lost (its lease ran out
// and another worker took the job). A sent push is remembered for the collapse window.
func (s *Store) FinishPushJob(ctx context.Context, j *PushJob, outcome string, sent bool, retryAt *time.Time) (bool, error) {
	ok := false
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Table("push_jobs").Set("lease_token = NULL, outcome = ?", outcome).
			Where("notification_id = ? AND lease_token = ?", j.NotificationID, j.LeaseToken)
		if retryAt != nil {
			q.Set("leased_until = ?", *retryAt)
		} else {
			q.Set("status = 'done'")
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return fmt.Errorf("finish push job: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		ok = true
		if !sent || j.ConversationID == 0 {
			return nil
		}
		_, err = tx.NewRaw(`INSERT INTO push_sent (user_id, conversation_id, notification_id) VALUES (?, ?, ?)
			ON CONFLICT (user_id, conversation_id) DO UPDATE SET notification_id = EXCLUDED.notification_id, sent_at = now()`,
			j.UserID, j.ConversationID, j.NotificationID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("remember push: %w", err)
		}
		return nil
	})
	return ok, err
}
