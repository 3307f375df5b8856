package benchhostile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// kind is what a client sends, again and again.
type kind string

const (
	valid      kind = "valid"      // a demo user's inbox reads and sends, twice a second
	fanout     kind = "fanout"     // fragments spreading ten ways eight deep
	repeated   kind = "repeated"   // { viewer { id ×10800 } }
	directives kind = "directives" // 10,000 unknown directives
	oversized  kind = "oversized"  // a 64 MiB body
	trickled   kind = "trickled"   // a body sent a byte every half second
	anonymous  kind = "anonymous"  // a flood without credentials
)

var kinds = []kind{valid, fanout, repeated, directives, oversized, trickled, anonymous}

// mix is how many clients of each kind run.
type mix map[kind]int

// mixFor splits n clients: half valid, a few of each attack, the rest anonymous floods.
func mixFor(n int) mix {
	m := mix{valid: n / 2, fanout: max(1, n/20), repeated: max(1, n/20), directives: max(1, n/20),
		oversized: max(1, n/50), trickled: max(1, n*3/100)}
	used := 0
	for _, c := range m {
		used += c
	}
	m[anonymous] = max(1, n-used)
	return m
}

// users is how many valid users the fixture needs: five clients share one.
func (m mix) users() int { return (m[valid] + 4) / 5 }

// kinds lists one entry per client.
func (m mix) kinds() []kind {
	var out []kind
	for _, k := range kinds {
		for i := 0; i < m[k]; i++ {
			out = append(out, k)
		}
	}
	return out
}

// budget is the requests left to send in all.
type budget struct{ left int64 }

func (b *budget) take() bool { return atomic.AddInt64(&b.left, -1) >= 0 }

// runClient sends its kind's requests until run ends or the budget is spent; each request may
// go on until ctx ends.
func runClient(run, ctx context.Context, c *client, fx *fixture, k kind, i int, b *budget, r *report) {
	pace := time.NewTicker(500 * time.Millisecond)
	defer pace.Stop()
	for n := 0; run.Err() == nil && b.take(); n++ {
		start := time.Now()
		switch k {
		case valid:
			u := fx.Users[i%len(fx.Users)]
			o := c.post(ctx, u.Token, validRequest(u, n))
			r.record(k, o, time.Since(start))
			select { // valid users think between requests
			case <-run.Done():
			case <-pace.C:
			}
		case trickled:
			r.record(k, c.trickle(run), 0)
		case oversized:
			r.record(k, c.post(ctx, fx.Attackers[i%len(fx.Attackers)], bigBody), 0)
		case anonymous:
			r.record(k, c.post(ctx, "", body(`{ __typename }`, nil)), 0)
		default:
			r.record(k, c.post(ctx, fx.Attackers[i%len(fx.Attackers)], attacks[k]), 0)
		}
	}
}

// validRequest is a demo user's read of their inbox, or, one time in five, a send.
func validRequest(u user, n int) []byte {
	if n%5 == 4 {
		return body(`mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { id } } }`,
			map[string]any{"in": map[string]any{"conversationId": u.Conversation, "body": fmt.Sprintf("hostile bench %d", n)}})
	}
	return body(`{ inbox(first: 10) { totalCount nodes { id } } }`, nil)
}

func body(query string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

// attacks are the costly documents, built once.
var attacks = map[kind][]byte{
	fanout:     body(fanoutDocument(8, 10), nil),
	repeated:   body("{ viewer {"+strings.Repeat(" id", 10800)+" } }", nil),
	directives: body("{ viewer { id"+strings.Repeat(" @a", 10000)+" } }", nil),
}

var bigBody = bytes.Repeat([]byte(" "), 64<<20)

// fanoutDocument is { ...F<depth> } where each fragment spreads the one below width times.
func fanoutDocument(depth, width int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{ ...F%d }\nfragment F0 on Query { __typename }\n", depth)
	for i := 1; i <= depth; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query {%s }\n", i, strings.Repeat(fmt.Sprintf(" ...F%d", i-1), width))
	}
	return b.String()
}

// outcome is how one request ended: its status and GraphQL error code, or a network error.
type outcome struct {
	Status int
	Code   string
	Err    error
	Held   bool // a trickled body the server let run until the benchmark ended
	Closed bool // a trickled body the server cut without an answer
}

// client speaks HTTP to the server under test.
type client struct {
	url  string
	host string
	http *http.Client
}

func newClient(target string, conns int) *client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = conns, conns
	u, _ := url.Parse(target)
	return &client{url: target, host: u.Host, http: &http.Client{Transport: t, Timeout: 30 * time.Second}}
}

func (c *client) post(ctx context.Context, token string, b []byte) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(b))
	if err != nil {
		return outcome{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return outcome{Err: err}
	}
	defer resp.Body.Close()
	return outcome{Status: resp.StatusCode, Code: firstCode(resp.Body)}
}

// firstCode is a GraphQL answer's first extensions.code, "" without errors.
func firstCode(r io.Reader) string {
	var a struct {
		Errors []struct {
			Extensions struct{ Code string } `json:"extensions"`
		} `json:"errors"`
	}
	raw, _ := io.ReadAll(io.LimitReader(r, 1<<20))
	if err := json.Unmarshal(raw, &a); err != nil {
		return "NOT_JSON"
	}
	if len(a.Errors) == 0 {
		return ""
	}
	if a.Errors[0].Extensions.Code == "" {
		return "ERROR"
	}
	return a.Errors[0].Extensions.Code
}

// trickle sends a request whose body comes a byte every half second, until the server
// answers or closes, or the benchmark ends (then it was held).
func (c *client) trickle(ctx context.Context) outcome {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.host)
	if err != nil {
		return outcome{Err: err}
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	u, _ := url.Parse(c.url)
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n", u.Path, c.host)
	answered := make(chan outcome, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answered <- outcome{Closed: true}
			return
		}
		resp.Body.Close()
		answered <- outcome{Status: resp.StatusCode}
	}()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case o := <-answered:
			if ctx.Err() != nil {
				return outcome{Held: true}
			}
			return o
		case <-tick.C:
			_, _ = conn.Write([]byte(" "))
		}
	}
}
