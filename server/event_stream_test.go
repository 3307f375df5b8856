package server

import (
	"net/http/httptest"
	"testing"
)

// An event stream's opening flush waits until the subscription is registered with the hub;
// later flushes go out at once.
func TestEventStreamOpensOnceTracked(t *testing.T) {
	rec := httptest.NewRecorder()
	w := &openWhenTracked{ResponseWriter: rec}
	w.holdOpening() // a subscription
	_, _ = w.Write([]byte(":\n\n"))
	w.Flush()
	if rec.Flushed {
		t.Fatal("the stream opened before its subscription was registered")
	}
	w.tracked()
	if !rec.Flushed {
		t.Fatal("the stream did not open once its subscription was registered")
	}
	rec = httptest.NewRecorder()
	w = &openWhenTracked{ResponseWriter: rec}
	w.Flush() // a query sent as an event stream
	if !rec.Flushed {
		t.Fatal("a query's stream was held")
	}
	rec = httptest.NewRecorder()
	w = &openWhenTracked{ResponseWriter: rec}
	w.holdOpening()
	w.Flush()
	w.Flush() // a refused subscription's error
	if !rec.Flushed {
		t.Fatal("a second flush was held")
	}
}
