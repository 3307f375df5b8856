package resolvers

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"

	"github.com/parley/parley/resolvers/auth"
)

// WebSocket close codes of graphql-transport-ws for a connection_init that is refused.
const (
	closeUnauthorized = 4401
	closeForbidden    = 4403
)

// addLiveTransports serves subscriptions over WebSocket (graphql-transport-ws, and the legacy
// subscriptions-transport-ws) and Server-Sent Events.
func addLiveTransports(srv *handler.Server, o Options) {
	srv.AddTransport(transport.SSE{})
	srv.AddTransport(&transport.Websocket{
		Implementation:        transport.CoderWebsocketImplementation{AcceptOptions: acceptOptions(o.Origins)},
		InitFunc:              wsInit(o.Auth),
		InitTimeout:           10 * time.Second,
		KeepAlivePingInterval: 15 * time.Second, // subscriptions-transport-ws keep-alives
		PingPongInterval:      20 * time.Second, // graphql-transport-ws: no pong in 40 s closes
	})
}

// acceptOptions allows the configured browser origins ("*" for any).
func acceptOptions(origins []string) websocket.AcceptOptions {
	var opts websocket.AcceptOptions
	for _, o := range origins {
		if o == "*" {
			opts.InsecureSkipVerify = true
			continue
		}
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			o = u.Host
		}
		opts.OriginPatterns = append(opts.OriginPatterns, o)
	}
	return opts
}

// wsInit authenticates a WebSocket from its connection_init payload (Authorization or
// authToken), or else from the upgrade request's own header. Missing credentials close the
// socket with 4401, refused ones with 4403.
func wsInit(a *auth.Authenticator) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		token := p.Authorization()
		if token == "" {
			token = p.GetString("authToken")
		}
		if token == "" {
			if _, err := auth.PrincipalFrom(ctx); err != nil {
				return refuse(ctx, err)
			}
			return ctx, nil, nil
		}
		if !strings.HasPrefix(strings.ToLower(token), "bearer ") {
			token = "Bearer " + token
		}
		pr, err := a.Authenticate(ctx, token, "")
		if err != nil {
			return refuse(ctx, err)
		}
		return auth.WithPrincipal(ctx, pr, nil), nil, nil
	}
}

func refuse(ctx context.Context, err error) (context.Context, *transport.InitPayload, error) {
	code, reason := closeForbidden, "Forbidden"
	if strings.Contains(err.Error(), "missing credentials") {
		code, reason = closeUnauthorized, "Unauthorized"
	}
	ctx = transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, code), reason)
	return ctx, nil, errors.New(reason + ": " + err.Error())
}
