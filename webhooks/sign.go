// Package webhooks owns webhook delivery to the endpoints back-office systems register, in the
// Standard Webhooks form (https://www.standardwebhooks.com): the outbox worker, HMAC-SHA256
// signing, retries on a schedule, and the guard that sends only to public addresses unless
// private ones are allowed. It imports db (the outbox and endpoint rows) and the OpenTelemetry
// trace API (a span per attempt), nothing that serves requests; the server starts its worker
// (with its metrics hook and tracer), the resolvers use its URL guard.
package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// secretPrefix starts every signing secret, as Standard Webhooks names it.
const secretPrefix = "whsec_"

// NewSecret is a fresh signing secret: whsec_ and the base64 of 32 random bytes.
func NewSecret() string {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails (crypto/rand)
	return secretPrefix + base64.StdEncoding.EncodeToString(key)
}

func secretKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil {
		return nil, fmt.Errorf("webhook secret is not base64: %w", err)
	}
	return key, nil
}

// Sign is the v1 signature of a message: HMAC-SHA256 over "id.timestamp.body", keyed with the
// decoded secret, in base64.
func Sign(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// SignatureHeader is the webhook-signature value: one signature per secret, space-separated,
// so a receiver still holding the secret before a rotation verifies too.
func SignatureHeader(secrets []string, id string, timestamp int64, body []byte) (string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sig, err := Sign(s, id, timestamp, body)
		if err != nil {
			return "", err
		}
		sigs = append(sigs, sig)
	}
	return strings.Join(sigs, " "), nil
}
