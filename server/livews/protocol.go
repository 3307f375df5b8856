package livews

import (
	"bytes"
	"encoding/json"
)

// The two subprotocols served: graphql-transport-ws (the graphql-ws library) and the legacy
// subscriptions-transport-ws, which calls itself "graphql-ws" on the wire.
const (
	ProtocolTransportWS = "graphql-transport-ws"
	ProtocolLegacy      = "graphql-ws"
)

// Close codes of graphql-transport-ws (also used for the legacy protocol's refusals).
const (
	CloseNormal        = 1000
	CloseGoingAway     = 1001
	CloseProtocolError = 1002
	CloseInvalidData   = 1007
	CloseTooBig        = 1009
	CloseInternalError = 1011
	CloseBadRequest    = 4400
	CloseUnauthorized  = 4401
	CloseForbidden     = 4403
	CloseInitTimeout   = 4408
	CloseDuplicateID   = 4409
	CloseTooManyInits  = 4429
)

// protocol names the messages of one subprotocol.
type protocol struct {
	legacy bool
}

// message is what a client sends.
type message struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// What a client message asks for, in either protocol.
type intent int

const (
	askUnknown intent = iota
	askInit
	askSubscribe
	askComplete
	askPing
	askPong
	askTerminate
)

// The client messages of each protocol.
var (
	transportWSIntents = map[string]intent{"connection_init": askInit, "subscribe": askSubscribe,
		"complete": askComplete, "ping": askPing, "pong": askPong}
	legacyIntents = map[string]intent{"connection_init": askInit, "start": askSubscribe,
		"stop": askComplete, "connection_terminate": askTerminate}
)

func (p protocol) intent(t string) intent {
	if p.legacy {
		return legacyIntents[t] // askUnknown when absent
	}
	return transportWSIntents[t]
}

// Server message types by protocol.
func (p protocol) next() string {
	if p.legacy {
		return "data"
	}
	return "next"
}

// keepAlive is the protocol's own keep-alive message.
func (p protocol) keepAlive() string {
	if p.legacy {
		return "ka"
	}
	return "ping"
}

// appendMessage writes one server message as JSON.
func appendMessage(b *bytes.Buffer, typ, id string, payload []byte) {
	b.WriteString(`{"type":"`)
	b.WriteString(typ)
	b.WriteByte('"')
	if id != "" {
		b.WriteString(`,"id":`)
		q, _ := json.Marshal(id)
		b.Write(q)
	}
	if len(payload) > 0 {
		b.WriteString(`,"payload":`)
		b.Write(payload)
	}
	b.WriteByte('}')
}
