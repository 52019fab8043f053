// Package faas is the client of the E2E Functions-as-a-Service API. It knows
// HTTP and JSON, never Terraform: auth, retries, typed errors, envelopes and
// redaction of credentials live here. Client speaks the design's faas-v1
// dialect and MyAccountClient the API E2E serves under MyAccount; both share
// one HTTP core (core.go) and implement API.
package faas

import (
	"bytes"
	"context"
	"encoding/json"
)

// DefaultEndpoint is the public API base.
const DefaultEndpoint = "https://api.e2enetworks.com/faas/api/v1/"

// Client talks to the E2E FaaS API in the faas-v1 dialect. It is safe for
// concurrent use.
type Client struct {
	*core
}

// New checks the configuration and builds a Client.
func New(cfg Config) (*Client, error) {
	c, err := newCore(cfg, DefaultEndpoint)
	if err != nil {
		return nil, err
	}
	return &Client{core: c}, nil
}

// do sends the request and decodes a success body (enveloped or bare) into
// out, which may be nil.
func (c *Client) do(ctx context.Context, r *request, out any) error {
	ans, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	if ans.status >= 300 {
		message, fields := c.errorText(r, ans.body)
		return c.apiError(r, ans.status, ans.header, message, fields)
	}
	if out == nil || len(bytes.TrimSpace(ans.body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(unwrapEnvelope(ans.body), out); err != nil {
		return unreadable(r, ans.status, err)
	}
	return nil
}

type envelope struct {
	Code    *int            `json:"code"`
	Data    json.RawMessage `json:"data"`
	Message *string         `json:"message"`
	Errors  json.RawMessage `json:"errors"`
}

// unwrapEnvelope returns the data of {"code":..,"data":..,"message":..}, or
// the body itself when it is bare.
func unwrapEnvelope(data []byte) []byte {
	var env envelope
	if err := json.Unmarshal(data, &env); err == nil && env.Code != nil && env.Message != nil && len(env.Data) > 0 {
		return env.Data
	}
	return data
}
