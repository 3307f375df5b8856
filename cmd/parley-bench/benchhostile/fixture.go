package benchhostile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
)

const (
	orgNr       = "980000001" // the workshop `bench live` uses too
	bookingBase = 1_950_000_000
	maxAliases  = 25 // under the server's limit of aliases per document
)

// user is a valid user with a thread of their own to send to.
type user struct {
	Token        string
	Conversation string
}

// fixture is who the clients are: valid users, and the users the attacks are sent as.
type fixture struct {
	Users     []user
	Attackers []string
}

// setUp creates (or finds) the users and their threads through the back office.
func setUp(ctx context.Context, c *client, apiKey string, users int) (*fixture, error) {
	const attackers = 4
	fields := []string{fmt.Sprintf(`upsertWorkshop(input: {orgNr: %q, name: "Hostile Bench Verksted"}) { orgNr }`, orgNr)}
	var ids []string
	for i := 0; i < users+attackers; i++ {
		id := fmt.Sprintf("hostile-co-%d", i)
		ids = append(ids, id)
		fields = append(fields, fmt.Sprintf(`upsertUser(input: {userId: %q, role: CAR_OWNER, name: %q}) { id }`, id, id),
			fmt.Sprintf(`upsertBooking(input: {bookingId: %d, carOwnerId: %q, workshopOrgNr: %q}) { bookingId }`, bookingBase+i, id, orgNr))
	}
	office := &office{c: c, key: apiKey}
	for start := 0; start < len(fields); start += maxAliases {
		if err := office.do(ctx, "", benchkit.Aliased("mutation", fields[start:min(start+maxAliases, len(fields))]), nil); err != nil {
			return nil, fmt.Errorf("create bench users: %w", err)
		}
	}
	tokens, err := office.tokens(ctx, ids)
	if err != nil {
		return nil, err
	}
	fx := &fixture{Attackers: tokens[users:]}
	for i, tok := range tokens[:users] {
		var out struct {
			StartConversation struct{ Conversation struct{ ID string } }
		}
		q := fmt.Sprintf(`mutation { startConversation(input: {bookingId: %d}) { conversation { id } } }`, bookingBase+i)
		if err := office.do(ctx, tok, q, &out); err != nil {
			return nil, fmt.Errorf("start a bench thread: %w", err)
		}
		fx.Users = append(fx.Users, user{Token: tok, Conversation: out.StartConversation.Conversation.ID})
	}
	return fx, nil
}

// office sends set-up operations, waiting out rate limits.
type office struct {
	c   *client
	key string
}

func (o *office) tokens(ctx context.Context, ids []string) ([]string, error) {
	var tokens []string
	for start := 0; start < len(ids); start += maxAliases {
		part := ids[start:min(start+maxAliases, len(ids))]
		fields := make([]string, len(part))
		for i, id := range part {
			fields[i] = fmt.Sprintf(`issueToken(input: {userId: %q, role: CAR_OWNER, ttlSeconds: 21600}) { token }`, id)
		}
		var out map[string]struct{ Token string }
		if err := o.do(ctx, "", benchkit.Aliased("mutation", fields), &out); err != nil {
			return nil, fmt.Errorf("issue bench tokens: %w", err)
		}
		for i := range part {
			tokens = append(tokens, out[fmt.Sprintf("a%d", i)].Token)
		}
	}
	return tokens, nil
}

// do posts one operation as token, or as the back office when token is "".
func (o *office) do(ctx context.Context, token, query string, out any) error {
	for attempt := 0; ; attempt++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, o.c.url, bytes.NewReader(body(query, nil)))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		} else {
			req.Header.Set("X-API-Key", o.key)
		}
		resp, err := o.c.http.Do(req)
		if err != nil {
			return err
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var a struct {
			Data   json.RawMessage
			Errors []struct{ Message string }
		}
		if err := json.Unmarshal(raw, &a); err != nil {
			return fmt.Errorf("status %d: %.200s", resp.StatusCode, raw)
		}
		if resp.StatusCode == http.StatusTooManyRequests && attempt < 20 {
			time.Sleep(time.Second)
			continue
		}
		if len(a.Errors) > 0 {
			return fmt.Errorf("%s", a.Errors[0].Message)
		}
		if out == nil {
			return nil
		}
		return json.Unmarshal(a.Data, out)
	}
}
