package resolvers

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"strings"

	"github.com/parley/parley/db"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/webhooks"
)

// Web Push subscriptions (issue 15). The push itself is package away's worker.

func (r *queryResolver) VapidPublicKey(ctx context.Context) (string, error) {
	return r.VAPIDPublicKey, nil
}

func (r *mutationResolver) RegisterPushSubscription(ctx context.Context, in graph.RegisterPushSubscriptionInput) (*db.PushSubscription, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	endpoint := strings.TrimSpace(in.Endpoint)
	// The worker POSTs to the endpoint: the same address guard as webhook receivers.
	if err := webhooks.CheckURL(ctx, "endpoint", endpoint, r.webhookRules()); err != nil {
		return nil, err
	}
	if key, err := decodeKey(in.P256dh); err != nil || len(key) != 65 || !onCurve(key) {
		return nil, db.Invalid("p256dh", "must be the subscription's P-256 public key, base64url (65 bytes)")
	}
	if secret, err := decodeKey(in.Auth); err != nil || len(secret) != 16 {
		return nil, db.Invalid("auth", "must be the subscription's authentication secret, base64url (16 bytes)")
	}
	return r.Store.RegisterPushSubscription(ctx, v.UserID, endpoint, strings.TrimSpace(in.P256dh), strings.TrimSpace(in.Auth))
}

func (r *mutationResolver) RemovePushSubscription(ctx context.Context, endpoint string) (bool, error) {
	v, err := viewer(ctx)
	if err != nil {
		return false, err
	}
	endpoint = strings.TrimSpace(endpoint)
	if len(endpoint) > maxEndpoint { // none is stored longer: bounded before the query
		return false, db.Invalid("endpoint", "is longer than 2048 characters")
	}
	return r.Store.RemovePushSubscription(ctx, v.UserID, endpoint)
}

// maxEndpoint is the longest endpoint registerPushSubscription takes (webhooks.CheckURL's bound).
const maxEndpoint = 2048

// decodeKey reads a browser key as getKey() gives it: base64url, padded or not (standard
// base64 too, as some libraries write it). Keys are short: anything long is refused unread.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if len(s) > 128 {
		return nil, base64.CorruptInputError(128)
	}
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func onCurve(key []byte) bool {
	_, err := ecdh.P256().NewPublicKey(key)
	return err == nil
}
