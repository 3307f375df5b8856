package benchsend

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
)

const (
	orgNr       = "980000001" // the workshop the other benchmarks use too
	bookingBase = 1_980_000_000
	maxAliases  = 25 // under the server's limit of aliases per document
)

// target is one thread and its car owner, who sends into it.
type target struct {
	Token  string `json:"token"`
	Thread string `json:"thread"` // the conversation's GraphQL id
	Row    string `json:"row"`    // its key in the database, the REST thread_id
	UserID string `json:"userId"`
}

// setUp creates n car owners with a thread each, through the back office.
func setUp(ctx context.Context, url, apiKey string, n int) ([]target, error) {
	c := benchkit.NewClient(url, apiKey, 1)
	fields := []string{fmt.Sprintf(`upsertWorkshop(input: {orgNr: %q, name: "Send Bench Verksted"}) { orgNr }`, orgNr)}
	for i := 0; i < n; i++ {
		id := ownerID(i)
		fields = append(fields, fmt.Sprintf(`upsertUser(input: {userId: %q, role: CAR_OWNER, name: %q}) { id }`, id, id),
			fmt.Sprintf(`upsertBooking(input: {bookingId: %d, carOwnerId: %q, workshopOrgNr: %q}) { bookingId }`, bookingBase+i, id, orgNr))
	}
	for start := 0; start < len(fields); start += maxAliases {
		if err := c.Do(ctx, "", benchkit.Aliased("mutation", fields[start:min(start+maxAliases, len(fields))]), nil, nil); err != nil {
			return nil, fmt.Errorf("create bench users: %w", err)
		}
	}
	targets := make([]target, n)
	for start := 0; start < n; start += maxAliases {
		var tokens []string
		for i := start; i < min(start+maxAliases, n); i++ {
			tokens = append(tokens, fmt.Sprintf(`issueToken(input: {userId: %q, role: CAR_OWNER, ttlSeconds: 21600}) { token }`, ownerID(i)))
		}
		var out map[string]struct{ Token string }
		if err := c.Do(ctx, "", benchkit.Aliased("mutation", tokens), nil, &out); err != nil {
			return nil, fmt.Errorf("issue bench tokens: %w", err)
		}
		for i := start; i < min(start+maxAliases, n); i++ {
			targets[i] = target{Token: out[fmt.Sprintf("a%d", i-start)].Token, UserID: ownerID(i)}
		}
	}
	for i := range targets {
		var err error
		var out struct {
			StartConversation struct{ Conversation struct{ ID string } }
		}
		q := fmt.Sprintf(`mutation { startConversation(input: {bookingId: %d}) { conversation { id } } }`, bookingBase+i)
		if err := c.Do(ctx, targets[i].Token, q, nil, &out); err != nil {
			return nil, fmt.Errorf("start a bench thread: %w", err)
		}
		targets[i].Thread = out.StartConversation.Conversation.ID
		if targets[i].Row, err = rowOf(targets[i].Thread); err != nil {
			return nil, err
		}
	}
	return targets, nil
}

// rowOf is the database key of a conversation's GraphQL id, base64("Conversation:<key>").
func rowOf(id string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(id, "="))
	typ, key, _ := strings.Cut(string(raw), ":")
	if _, nerr := strconv.ParseInt(key, 10, 64); err != nil || typ != "Conversation" || nerr != nil {
		return "", fmt.Errorf("conversation id %q is not base64(\"Conversation:<number>\")", id)
	}
	return key, nil
}

const ownerPrefix = "send-co-"

func ownerID(i int) string { return ownerPrefix + strconv.Itoa(i) }
