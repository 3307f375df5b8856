package telemetry

import (
	"fmt"
	"testing"
)

// Operation names get labels of their own only while there is room, only when the caller may
// claim one, and only when they look like names: the label set stays bounded.
func TestOperationNamesAreBounded(t *testing.T) {
	n := newOpNames(3)
	if got := n.label("", true); got != "anonymous" {
		t.Errorf("no name: %q", got)
	}
	if got := n.label("Inbox", false); got != "other" {
		t.Errorf("a name from a caller who may not claim one: %q", got)
	}
	if got := n.label("not a name!", true); got != "other" {
		t.Errorf("a malformed name: %q", got)
	}
	for i := range 3 {
		if got := n.label(fmt.Sprint("Op", i), true); got != fmt.Sprint("Op", i) {
			t.Errorf("name %d within the cap: %q", i, got)
		}
	}
	if got := n.label("OneTooMany", true); got != "other" {
		t.Errorf("a name past the cap: %q", got)
	}
	if got := n.label("Op1", false); got != "Op1" {
		t.Errorf("a known name keeps its label for anyone: %q", got)
	}
}
