package benchkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Client speaks GraphQL over HTTP to the server under test, as the back office (API key) or
// as a user (bearer token).
type Client struct {
	url    string
	apiKey string
	http   *http.Client
}

// NewClient is a Client of url that keeps up to conns connections open.
func NewClient(url, apiKey string, conns int) *Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = conns, conns
	return &Client{url: url, apiKey: apiKey, http: &http.Client{Transport: t, Timeout: 30 * time.Second}}
}

// Do posts one operation; token "" means the back office. It decodes data into out.
func (c *Client) Do(ctx context.Context, token, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	} else {
		req.Header.Set("X-API-Key", c.apiKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				Code       string `json:"code"`
				RetryAfter int    `json:"retryAfter"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("status %d, not GraphQL: %.200s", resp.StatusCode, raw)
	}
	if len(r.Errors) > 0 {
		e := r.Errors[0]
		if e.Extensions.Code == "RATE_LIMITED" {
			return &limitedError{msg: e.Message, retry: time.Duration(max(e.Extensions.RetryAfter, 1)) * time.Second}
		}
		return fmt.Errorf("GraphQL error: %s", e.Message)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(r.Data, out)
}

// limitedError is a request the server refused as over its rate limit.
type limitedError struct {
	msg   string
	retry time.Duration
}

func (e *limitedError) Error() string { return "GraphQL error: " + e.msg }

// DoPatiently is Do for setting up: a request over the back office's rate limit waits and
// tries again. (Sends are never retried: a refused send counts as failed.)
func (c *Client) DoPatiently(ctx context.Context, token, query string, vars map[string]any, out any) error {
	for attempt := 0; ; attempt++ {
		err := c.Do(ctx, token, query, vars, out)
		var limited *limitedError
		if !errors.As(err, &limited) || attempt == 20 {
			return err
		}
		if err := Sleep(ctx, limited.retry); err != nil {
			return err
		}
	}
}
