// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// CreateSecret sends POST secrets. The value travels only in the body.
func (c *Client) CreateSecret(ctx context.Context, req *CreateSecretRequest) (*Secret, error) {
	var s Secret
	if err := c.do(ctx, &request{method: http.MethodPost, path: "secrets", body: req, sensitive: []string{req.Value}}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// ListSecrets sends GET secrets.
func (c *Client) ListSecrets(ctx context.Context) ([]Secret, error) {
	var body secretListBody
	r := &request{method: http.MethodGet, path: "secrets", idempotent: true}
	if err := c.do(ctx, r, &body); err != nil {
		return nil, err
	}
	if body.Secrets == nil {
		// An empty answer, or one without the list, is not an empty list:
		// read as one, it would drop every secret from state.
		why := errors.New("no secrets list")
		return nil, &unreadableError{msg: fmt.Sprintf("%s %s: the answer carries no secrets list", r.method, r.path), cause: why}
	}
	return body.Secrets, nil
}

// UpdateSecret sends PUT secrets/{name}, which rotates the value in place:
// every function that names the secret redeploys. The value travels only in
// the body and is scrubbed from any error. Setting a value twice leaves the
// same state, so the request is retried like any idempotent one.
func (c *Client) UpdateSecret(ctx context.Context, name, value string) (*SecretRotation, error) {
	var out SecretRotation
	r := &request{
		method: http.MethodPut, path: "secrets/" + url.PathEscape(name), idempotent: true,
		body: &secretValueBody{Value: value}, sensitive: []string{value},
	}
	if err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteSecret sends DELETE secrets/{name}.
func (c *Client) DeleteSecret(ctx context.Context, name string) error {
	return c.do(ctx, &request{method: http.MethodDelete, path: "secrets/" + url.PathEscape(name), idempotent: true}, nil)
}
