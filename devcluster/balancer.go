package devcluster

import (
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync/atomic"
)

// ReplicaHeader names, on every response through the balancer, the replica (1..N) that
// answered, so a developer (and the cluster test) can see requests spread.
const ReplicaHeader = "X-Parley-Replica"

// Balancer sends each request (WebSocket upgrades included) to the next backend in turn. It is
// the standard library's reverse proxy, which passes an upgraded connection through as is.
func Balancer(backends []string) (http.Handler, error) {
	if len(backends) == 0 {
		return nil, fmt.Errorf("no backends")
	}
	targets := make([]*url.URL, len(backends))
	index := map[string]string{}
	for i, b := range backends {
		u, err := url.Parse("http://" + b)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("backend %q: want host:port", b)
		}
		targets[i] = u
		index[u.Host] = strconv.Itoa(i + 1)
	}
	var next atomic.Uint64
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(targets[(next.Add(1)-1)%uint64(len(targets))])
			r.SetXForwarded()
			r.Out.Host = r.In.Host // the replicas see the address the client used
		},
		ModifyResponse: func(resp *http.Response) error {
			resp.Header.Set(ReplicaHeader, index[resp.Request.URL.Host])
			return nil
		},
		FlushInterval: -1, // Server-Sent Events stream through at once
	}, nil
}
