package benchlive

import "time"

// The benchmark runs the server in its own process and the subscribers in a child process
// (`parley-bench live-clients`), so the server's memory can be measured apart from the
// clients'. They speak one JSON value per line: the parent writes a Plan, the child answers
// Connected; the parent sends messages, writes Finish, and the child answers Result.

// Plan tells the clients whom to connect as and what to subscribe to.
type Plan struct {
	URL     string    `json:"url"`
	Tokens  []string  `json:"tokens"`
	Subs    []PlanSub `json:"subs"`
	Dialers int       `json:"dialers"`
}

// PlanSub is one subscriber: a token (by index), the conversation it subscribes to, and that
// conversation's thread number in the message bodies.
type PlanSub struct {
	Token        int    `json:"k"`
	Conversation string `json:"c"`
	Thread       int    `json:"t"`
}

// Connected says how many subscribers are connected and subscribed.
type Connected struct {
	Connected  int     `json:"connected"`
	Failed     int     `json:"failed"`
	FirstError string  `json:"first_error,omitempty"`
	Seconds    float64 `json:"seconds"`
}

// Finish tells the clients how many messages the server accepted per thread, and how long
// to wait for stragglers once no delivery arrives.
type Finish struct {
	PerThread []int         `json:"per_thread"`
	Drain     time.Duration `json:"drain"`
}

// Result is what the subscribers received.
type Result struct {
	Expected   int64          `json:"expected"`
	Received   int64          `json:"received"`   // distinct bench messages of the subscriber's thread
	Duplicates int64          `json:"duplicates"` // the same message again
	Foreign    int64          `json:"foreign"`    // a message of another thread: must be 0
	Complete   int            `json:"complete"`   // subscribers that got every message of their thread
	Ended      map[string]int `json:"ended"`      // subscriptions the server ended, by reason
	Latency    Summary        `json:"latency"`
	First      int64          `json:"first_unix_ns"`
	Last       int64          `json:"last_unix_ns"`
	CPUSeconds float64        `json:"cpu_seconds"`
}
