package resolvers

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/parley/parley/db"
)

// Global ids are base64("Type:key"). Arguments that name one object also take the plain key
// and the REST prefixes (conv_12, msg_7, tpl_3, ntf_9), so every client's ids work.
func globalID(typ, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + key))
}

func intGlobalID(typ string, id int64) string { return globalID(typ, strconv.FormatInt(id, 10)) }

// decodeGlobalID splits a global id into its type and key.
func decodeGlobalID(id string) (typ, key string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(id, "="))
	if err != nil {
		return "", "", false
	}
	typ, key, ok = strings.Cut(string(raw), ":")
	return typ, key, ok && typ != "" && key != ""
}

// restPrefixes maps a type to the prefix the marketplace REST routes use for its ids.
var restPrefixes = map[string]string{
	"Conversation": "conv_", "Message": "msg_", "MessageTemplate": "tpl_", "Notification": "ntf_", "Report": "rpt_",
	"WebhookEndpoint": "wh_", "WebhookDelivery": "dlv_",
}

// parseIntID reads an id of type typ given as a global id, a REST-prefixed id or a plain
// positive integer. field names the argument in the error.
func parseIntID(field, typ, id string) (int64, error) {
	key := strings.TrimSpace(id)
	if t, k, ok := decodeGlobalID(key); ok && t == typ {
		key = k
	} else if p := restPrefixes[typ]; p != "" {
		key = strings.TrimPrefix(key, p)
	}
	n, err := strconv.ParseInt(key, 10, 64)
	if err != nil || n <= 0 {
		return 0, db.Invalid(field, "%q is not a %s id", id, typ)
	}
	return n, nil
}

func parseIntIDs(field, typ string, ids []string) ([]int64, error) {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		n, err := parseIntID(field, typ, id)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}
