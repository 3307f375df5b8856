package benchpgl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// answer is an inbox page reduced to what both servers must agree on.
type answer struct {
	Total, Unread int64
	Threads       []string // one line per thread, in order
}

// sameAnswers asks both servers for v's first page and fails unless they carry the same
// threads with the same figures: a fast wrong answer must not count.
func (b *bench) sameAnswers(ctx context.Context, v viewer) error {
	var parley struct {
		Data struct {
			Inbox struct {
				TotalCount, UnreadTotal int64
				Nodes                   []struct {
					UnreadCount  int64
					Subject      struct{ BookingID json.Number }
					Participants []struct{ Name string }
					LastMessage  struct {
						MessageID      json.Number
						IsMine, IsRead bool
					}
				}
			}
		}
	}
	if err := fetch(ctx, b.plan("parley", v), &parley); err != nil {
		return fmt.Errorf("parley: %w", err)
	}
	var pgl struct {
		Data struct {
			Counts          struct{ TotalCount, UnreadTotal json.Number }
			AllParticipants struct {
				Nodes []struct {
					UnreadCount  int64
					Conversation struct {
						Booking      struct{ ID json.Number }
						Participants struct{ Nodes []struct{ Name string } }
						LastMessage  struct {
							ID             json.Number
							IsMine, IsRead bool
						}
					}
				}
			}
		}
	}
	if err := fetch(ctx, b.plan("postgraphile", v), &pgl); err != nil {
		return fmt.Errorf("postgraphile: %w", err)
	}
	pi, gi := parley.Data.Inbox, pgl.Data.AllParticipants
	a := answer{Total: pi.TotalCount, Unread: pi.UnreadTotal}
	for _, n := range pi.Nodes {
		var names []string
		for _, p := range n.Participants {
			names = append(names, p.Name)
		}
		m := n.LastMessage
		a.Threads = append(a.Threads, thread(n.Subject.BookingID, n.UnreadCount, names, m.MessageID, m.IsMine, m.IsRead))
	}
	total, _ := pgl.Data.Counts.TotalCount.Int64()
	unread, _ := pgl.Data.Counts.UnreadTotal.Int64()
	g := answer{Total: total, Unread: unread}
	for _, n := range gi.Nodes {
		var names []string
		for _, p := range n.Conversation.Participants.Nodes {
			names = append(names, p.Name)
		}
		m := n.Conversation.LastMessage
		g.Threads = append(g.Threads, thread(n.Conversation.Booking.ID, n.UnreadCount, names, m.ID, m.IsMine, m.IsRead))
	}
	return a.differs(g, v)
}

func thread(id json.Number, unread int64, names []string, last json.Number, mine, read bool) string {
	return fmt.Sprintf("thread %s: %d unread, participants %s, last message %s (mine %t, read %t)",
		id, unread, strings.Join(names, " + "), last, mine, read)
}

// differs says how Parley's answer a and PostGraphile's g differ, nil when they agree and
// hold the page the set fixes.
func (a answer) differs(g answer, v viewer) error {
	if a.Total != int64(v.Threads) || len(a.Threads) != min(20, v.Threads) {
		return fmt.Errorf("parley answered %d threads of %d, the set holds %d", len(a.Threads), a.Total, v.Threads)
	}
	if a.Total != g.Total || a.Unread != g.Unread {
		return fmt.Errorf("totals differ: parley %d threads, %d unread; postgraphile %d, %d", a.Total, a.Unread, g.Total, g.Unread)
	}
	if len(a.Threads) != len(g.Threads) {
		return fmt.Errorf("parley answered %d threads, postgraphile %d", len(a.Threads), len(g.Threads))
	}
	for i := range a.Threads {
		if a.Threads[i] != g.Threads[i] {
			return fmt.Errorf("row %d differs: parley %q, postgraphile %q", i+1, a.Threads[i], g.Threads[i])
		}
	}
	return nil
}

// fetch makes p's request once and decodes the answer into out.
func fetch(ctx context.Context, p Plan, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, strings.NewReader(p.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range p.Headers {
		req.Header.Set(k, v)
	}
	resp, err := warmClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		return fmt.Errorf("status %d: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || strings.Contains(string(raw), `"errors"`) {
		return fmt.Errorf("status %d: %.300s", resp.StatusCode, raw)
	}
	return json.Unmarshal(raw, out)
}
