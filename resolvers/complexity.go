package resolvers

import (
	"time"

	"github.com/parley/parley/graph"
)

// setComplexity prices list fields by the page size asked for, so a client cannot multiply
// the work with nested pages.
func setComplexity(c *graph.ComplexityRoot) {
	c.Query.Inbox = func(child int, first *int, _ *string, _ *int, _ *graph.InboxFilter) int {
		return perPage(child, first, 20)
	}
	c.Query.Messages = func(child int, _ string, first *int, _ *string, last *int, _ *string, _ *int, _ *time.Time) int {
		return perPage(child, firstOf(first, last), defaultMessages)
	}
	c.Conversation.Messages = func(child int, first *int, _ *string, last *int, _ *string) int {
		return perPage(child, firstOf(first, last), defaultMessages)
	}
	c.Query.Notifications = func(child int, first *int, _ *string, _ *int, _ *graph.NotificationFilter) int {
		return perPage(child, first, 20)
	}
	c.Query.SearchWorkshops = func(child int, _ string, _ *graph.GeoPoint, first *int) int {
		return perPage(child, first, 20)
	}
	c.Query.SearchMessages = func(child int, _ string, first *int, _ *string) int {
		return perPage(child, first, 20)
	}
	c.Query.WebhookDeliveries = func(child int, _ string, _ *graph.WebhookDeliveryStatus, first, _ *int) int {
		return perPage(child, first, 20)
	}
}

func perPage(child int, n *int, def int) int {
	size := def
	if n != nil && *n > 0 {
		size = *n
	}
	return 1 + child*size
}

func firstOf(a, b *int) *int {
	if a != nil {
		return a
	}
	return b
}
