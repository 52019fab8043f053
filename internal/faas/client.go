// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package faas is the client of the E2E Functions-as-a-Service API. It knows
// HTTP and JSON, never Terraform: auth, retries, typed errors, envelopes and
// redaction of credentials live here. Client speaks the design's faas-v1
// dialect and MyAccountClient the API E2E serves under MyAccount (the two
// dialects: DESIGN.md#api-dialects); both share one HTTP core (core.go) and
// implement API.
//
// One concern a file: core.go sends a request (Config, the core, its
// attempts and logging); retry.go decides what is retried and how long to
// wait; redaction.go keeps credentials out of every error; body.go streams
// request bodies; envelope.go reads answers and error bodies in both
// dialects; create.go is the create-and-adopt protocol and wait.go the
// waits, both shared by the dialects; functions.go and secrets.go spell the
// faas-v1 wire, myaccount.go the myaccount wire, and models.go the types.
package faas

// DefaultEndpoint is the public API base.
const DefaultEndpoint = "https://api.e2enetworks.com/faas/api/v1/"

// Client talks to the E2E FaaS API in the faas-v1 dialect. It is safe for
// concurrent use.
type Client struct {
	*core
	waiter
}

// New checks the configuration and builds a Client.
func New(cfg Config) (*Client, error) {
	base, err := newCore(cfg, DefaultEndpoint, DialectFaaSV1)
	if err != nil {
		return nil, err
	}
	c := &Client{core: base}
	c.waiter = waiter{get: c.GetFunction, clock: new(deployClock)}
	return c, nil
}
