package benchreads

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/parley/parley/cmd/parley-bench/benchlive"
	"github.com/parley/parley/server"
)

// SearchOptions are the flags of `parley-bench search`.
type SearchOptions struct {
	Size     int // messages in the set
	Requests int // timed requests per search, after a warm-up
}

// searchQuery is the page `bench search` times: 20 hits with their message and conversation.
const searchQuery = `query($q: String!) { searchMessages(query: $q, first: 20) { typoTolerant
	pageInfo { hasNextPage endCursor }
	edges { cursor node { excerpt highlights { start length } message { messageId body createdAt }
		conversation { id conversationId } } } } }`

// searchCase is a query and what a viewer's first page must hold: a full page (common words),
// at least one hit (rare words: one message in 9,973 has it), and whether it is a typo page.
type searchCase struct {
	What, Query string
	FullPage    bool
	Typo        bool
}

// searchCases are words of the set's phrases (dataset.go): "bilen" is in about a fifth of the
// bodies; "hjulopphenget" in one in 9,973; "bremsekloser" misses an s of "bremseklosser", which
// full text does not match; "Tromso" is "Tromsø" without the ø.
var searchCases = []searchCase{
	{"common word", "bilen", true, false},
	{"rare word", "hjulopphenget", false, false},
	{"typo", "bremsekloser", true, true},
	{"accent folded", "Tromso", true, false},
}

// RunSearch builds one set and times searchMessages for the workshop and the car owner.
func RunSearch(ctx context.Context, cfg server.Config, o SearchOptions, out io.Writer) error {
	if o.Size < minMessages || o.Size > maxMessages {
		return fmt.Errorf("--size: %s messages is outside 2k to 2M", SizeName(o.Size))
	}
	if o.Requests < 1 || o.Requests > maxRequests {
		return fmt.Errorf("--requests must be from 1 to %d", maxRequests)
	}
	load0 := loadAverage()
	srv, err := benchlive.StartInProcess(ctx, NoReadLimit(cfg))
	if err != nil {
		return err
	}
	defer srv.Stop()
	if srv.DSN == "" {
		return errors.New("the data set is built on a PostgreSQL server (DATABASE_URL or the local one); none answered")
	}
	s := shapeOf(o.Size)
	b, err := build(ctx, srv.DSN, s)
	if err != nil {
		return err
	}
	c := newClient(srv.URL, srv.APIKey)
	v, err := tokens(ctx, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "server: in-process, a scratch database (%s)\n", srv.Where)
	fmt.Fprintf(out, "set %s: %d messages in %d threads (workshop %d, car owner %d); built in %.1f s\n",
		SizeName(o.Size), s.Messages, s.Threads, s.ShopThreads, s.OwnerThreads, b.Took.Seconds())
	fmt.Fprintf(out, "requests: %d per search and viewer, one at a time, after %d warm-up; a page of 20 hits\n", o.Requests, warmUp)
	var worst summary
	for _, who := range []struct{ name, token string }{{"workshop", v.Shop}, {"car owner", v.Owner}} {
		for _, sc := range searchCases {
			// A small set holds fewer than a page of the common words for the car owner.
			sc.FullPage = sc.FullPage && o.Size >= 100_000
			rd := read{Name: who.name + " " + sc.What + " (" + sc.Query + ")", do: searchRead(who.token, sc)}
			sum, err := timeRead(ctx, c, v, rd, o.Requests)
			if err != nil {
				return fmt.Errorf("%s: %w", rd.Name, err)
			}
			fmt.Fprintf(out, "%s: p50 %s ms, p99 %s ms\n", sum.Name, ms(sum.P50), ms(sum.P99))
			if sum.P99 > worst.P99 {
				worst = sum
			}
		}
	}
	fmt.Fprintf(out, "load average: %s before, %s after\n", load0, loadAverage())
	fmt.Fprintf(out, "worst search p99 at %s: %s ms (%s)\n", SizeName(o.Size), ms(worst.P99), worst.Name)
	return nil
}

// searchRead makes one search as token and checks the page against what the set holds.
func searchRead(token string, sc searchCase) func(ctx context.Context, c *client, _ viewers) error {
	return func(ctx context.Context, c *client, _ viewers) error {
		var res struct {
			SearchMessages struct {
				TypoTolerant bool
				Edges        []struct {
					Node struct{ Highlights []struct{ Start, Length int } }
				}
			}
		}
		if err := c.graphQLVars(ctx, token, searchQuery, map[string]any{"q": sc.Query}, &res); err != nil {
			return err
		}
		r := res.SearchMessages
		switch {
		case r.TypoTolerant != sc.Typo:
			return fmt.Errorf("typoTolerant %v, want %v", r.TypoTolerant, sc.Typo)
		case len(r.Edges) == 0, sc.FullPage && len(r.Edges) != 20:
			return fmt.Errorf("%d hits", len(r.Edges))
		case len(r.Edges[0].Node.Highlights) == 0:
			return errors.New("the first hit has no highlight")
		}
		return nil
	}
}
