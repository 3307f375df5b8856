package benchreads

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
)

// warmUp requests go before the timed ones: connections, caches and hint bits settle.
const warmUp = 20

// client sends the reads over one keep-alive connection: they are timed one after another.
type client struct {
	gql, base, apiKey string
	http              *http.Client
}

func newClient(gqlURL, apiKey string) *client {
	return &client{gql: gqlURL, base: strings.TrimSuffix(gqlURL, "/graphql"), apiKey: apiKey,
		http: &http.Client{Timeout: 60 * time.Second}}
}

// graphQL posts one operation as token ("" for the back office) and decodes its data into out.
func (c *client) graphQL(ctx context.Context, token, query string, out any) error {
	return c.graphQLVars(ctx, token, query, nil, out)
}

// graphQLVars posts one operation with variables.
func (c *client) graphQLVars(ctx context.Context, token, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.gql, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token == "" {
		req.Header.Set("X-API-Key", c.apiKey)
	} else {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	var r struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := c.send(req, &r); err != nil {
		return err
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("graphql error: %s", r.Errors[0].Message)
	}
	return json.Unmarshal(r.Data, out)
}

// get requests a REST route as token and decodes the answer into out.
func (c *client) get(ctx context.Context, token, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return c.send(req, out)
}

func (c *client) send(req *http.Request, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d: %.200s", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return json.Unmarshal(raw, out)
}

// viewers are the tokens the reads are made with.
type viewers struct{ Shop, Owner string }

func tokens(ctx context.Context, c *client) (viewers, error) {
	q := fmt.Sprintf(`mutation {
		shop: issueToken(input: {userId: "ws-%s-0", role: WORKSHOP, orgNr: %q, ttlSeconds: 21600}) { token }
		owner: issueToken(input: {userId: %q, role: CAR_OWNER, ttlSeconds: 21600}) { token } }`, shopOrg, shopOrg, ownerID)
	var out struct{ Shop, Owner struct{ Token string } }
	if err := c.graphQL(ctx, "", q, &out); err != nil {
		return viewers{}, fmt.Errorf("issue tokens: %w", err)
	}
	return viewers{Shop: out.Shop.Token, Owner: out.Owner.Token}, nil
}

// read is one timed request. do makes it and checks the answer is what the set holds.
type read struct {
	Name string
	do   func(ctx context.Context, c *client, v viewers) error
}

const inboxQuery = `{ inbox(first: 20) { totalCount unreadTotal pageInfo { hasNextPage endCursor }
	nodes { id unreadCount lastActivityAt
		subject { ... on Booking { bookingId workshop { name } carOwner { name } } }
		participants { name role isViewer lastReadMessageId }
		lastMessage { messageId body isMine isRead createdAt } } } }`

const threadQuery = `{ messages(conversationId: "1", last: 20) { totalCount pageInfo { hasPreviousPage startCursor }
	nodes { messageId body isMine isRead readAt createdAt sender { id name } } } }`

const unreadQuery = `{ unreadCounts { messages conversationsWithUnread notifications } }`

const notificationsQuery = `{ notifications(first: 20) { totalCount unreadTotal
	nodes { id type title body isRead createdAt conversation { id } } } }`

// reads are what is timed, as the workshop and as the car owner. Each checks a figure the set
// fixes, so a wrong answer cannot pass for a fast one.
func reads(s shape) []read {
	return []read{
		gqlInbox("workshop graphql inbox", func(v viewers) string { return v.Shop }, s.ShopThreads),
		gqlInbox("car owner graphql inbox", func(v viewers) string { return v.Owner }, s.OwnerThreads),
		gqlThread("workshop thread page", func(v viewers) string { return v.Shop }),
		gqlThread("car owner thread page", func(v viewers) string { return v.Owner }),
		gqlUnread("workshop unread counts", func(v viewers) string { return v.Shop }),
		gqlUnread("car owner unread counts", func(v viewers) string { return v.Owner }),
		gqlNotifications("workshop notifications", func(v viewers) string { return v.Shop }),
		gqlNotifications("car owner notifications", func(v viewers) string { return v.Owner }),
		restInbox("workshop rest inbox", "/api/ws/messages", func(v viewers) string { return v.Shop }, s.ShopThreads),
		restInbox("car owner rest inbox", "/api/co/messages/inbox", func(v viewers) string { return v.Owner }, s.OwnerThreads),
	}
}

// page is a GraphQL connection's count and one page of its nodes.
type page struct {
	TotalCount int
	Nodes      []json.RawMessage
}

func gqlInbox(name string, as func(viewers) string, threads int) read {
	return read{name, func(ctx context.Context, c *client, v viewers) error {
		var out struct{ Inbox page }
		if err := c.graphQL(ctx, as(v), inboxQuery, &out); err != nil {
			return err
		}
		return want(out.Inbox.TotalCount, threads, len(out.Inbox.Nodes), min(20, threads))
	}}
}

func gqlThread(name string, as func(viewers) string) read {
	return read{name, func(ctx context.Context, c *client, v viewers) error {
		var out struct{ Messages page }
		if err := c.graphQL(ctx, as(v), threadQuery, &out); err != nil {
			return err
		}
		return want(out.Messages.TotalCount, longThread, len(out.Messages.Nodes), 20)
	}}
}

func gqlUnread(name string, as func(viewers) string) read {
	return read{name, func(ctx context.Context, c *client, v viewers) error {
		var out struct {
			UnreadCounts struct{ Messages, Notifications int }
		}
		if err := c.graphQL(ctx, as(v), unreadQuery, &out); err != nil {
			return err
		}
		if out.UnreadCounts.Messages == 0 || out.UnreadCounts.Notifications == 0 {
			return fmt.Errorf("no unread messages or notifications: %+v", out.UnreadCounts)
		}
		return nil
	}}
}

func gqlNotifications(name string, as func(viewers) string) read {
	return read{name, func(ctx context.Context, c *client, v viewers) error {
		var out struct{ Notifications page }
		if err := c.graphQL(ctx, as(v), notificationsQuery, &out); err != nil {
			return err
		}
		if len(out.Notifications.Nodes) != 20 || out.Notifications.TotalCount < 20 {
			return fmt.Errorf("%d notifications of %d, want a full page", len(out.Notifications.Nodes), out.Notifications.TotalCount)
		}
		return nil
	}}
}

func restInbox(name, path string, as func(viewers) string, threads int) read {
	return read{name, func(ctx context.Context, c *client, v viewers) error {
		var out struct {
			Data []json.RawMessage
			Meta struct{ Total int }
		}
		if err := c.get(ctx, as(v), path, &out); err != nil {
			return err
		}
		return want(out.Meta.Total, threads, len(out.Data), min(20, threads))
	}}
}

func want(total, wantTotal, rows, wantRows int) error {
	if total != wantTotal || rows != wantRows {
		return fmt.Errorf("%d rows of %d, want %d of %d", rows, total, wantRows, wantTotal)
	}
	return nil
}

// summary is one read's figures over a set.
type summary struct {
	Name     string
	P50, P99 time.Duration
}

func timeRead(ctx context.Context, c *client, v viewers, rd read, requests int) (summary, error) {
	for i := 0; i < warmUp; i++ {
		if err := rd.do(ctx, c, v); err != nil {
			return summary{}, err
		}
	}
	took := make([]time.Duration, requests)
	for i := range took {
		start := time.Now()
		if err := rd.do(ctx, c, v); err != nil {
			return summary{}, err
		}
		took[i] = time.Since(start)
	}
	return summary{Name: rd.Name, P50: benchkit.Quantile(took, 0.50), P99: benchkit.Quantile(took, 0.99)}, nil
}

// quantile is the nearest-rank quantile of sorted durations.
