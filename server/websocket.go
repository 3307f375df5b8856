package server

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/auth"
	"github.com/parley/parley/ratelimit"
	"github.com/parley/parley/resolvers"
	"github.com/parley/parley/server/livews"
)

// addLiveTransports serves subscriptions over WebSocket (graphql-transport-ws, and the legacy
// subscriptions-transport-ws) and Server-Sent Events.
func addLiveTransports(srv *handler.Server, o Options) {
	srv.AddTransport(checkedBody{transport.SSE{}, o.MaxBodyBytes})
	sockets := o.Sockets
	if sockets == nil {
		sockets = NewSockets(o.Limiter, o.Auth, o.Origins)
	}
	srv.AddTransport(sockets)
}

// NewSockets is the WebSocket transport: authentication from connection_init, checked again
// before each operation, a rate token per subscribe message before its document is read, and
// browser origins from the configuration ("*" for any). Subscription resolvers find the
// socket's stream as a resolvers.LiveConsumer.
func NewSockets(lim *ratelimit.Limiter, a *auth.Authenticator, origins []string) *livews.Transport {
	return &livews.Transport{Init: wsInit(a), Check: wsCheck(a), Admit: callerLimits{lim}.PrechargeGraphQL,
		Bind: resolvers.WithLiveConsumer[*livews.Stream], Origins: origins}
}

// wsCheck refuses an operation on a socket whose token has expired or been revoked since
// connection_init: the socket closes with 4403, which graphql-ws clients answer by connecting
// again (with fresh connectionParams).
func wsCheck(a *auth.Authenticator) func(context.Context) error {
	return func(ctx context.Context) error {
		p, err := auth.PrincipalFrom(ctx)
		if err == nil && a != nil {
			err = a.StillValid(ctx, p)
		}
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, auth.ErrUnauthenticated):
			slog.ErrorContext(ctx, "websocket: recheck credentials", "err", err)
		}
		return refusal(err)
	}
}

// wsInit authenticates a WebSocket from its connection_init payload (Authorization or
// authToken), or else from the upgrade request's own header. Missing credentials close the
// socket with 4401, refused ones with 4403.
func wsInit(a *auth.Authenticator) livews.InitFunc {
	return func(ctx context.Context, payload map[string]any) (context.Context, error) {
		p := transport.InitPayload(payload)
		token := p.Authorization()
		if token == "" {
			token = p.GetString("authToken")
		}
		if token == "" {
			if _, err := auth.PrincipalFrom(ctx); err != nil {
				return ctx, refusal(err)
			}
			return ctx, nil
		}
		if !strings.HasPrefix(strings.ToLower(token), "bearer ") {
			token = "Bearer " + token
		}
		pr, err := a.Authenticate(ctx, token, "")
		if err != nil {
			return ctx, refusal(err)
		}
		return auth.WithPrincipal(ctx, pr, nil), nil
	}
}

// refusal closes a socket with the close code the error table gives err.
func refusal(err error) error {
	code := apierror.CloseCode(err)
	reason := "Forbidden"
	if code == apierror.CloseUnauthorized {
		reason = "Unauthorized"
	}
	return &livews.Refusal{Code: code, Reason: reason, Err: err}
}
