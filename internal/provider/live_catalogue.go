// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"sync"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// liveCatalogue is the runtime catalogue the API serves for the provider's
// project and location, fetched at most once per provider run (a failed
// fetch is tried again by the next caller) and shared by every resource and
// data source of that provider instance. The built-in lists of
// function_schema.go are checked first, without the API; this one says what
// the region really offers.
type liveCatalogue struct {
	mu       sync.Mutex
	runtimes []faas.Runtime
}

func (c *liveCatalogue) get(ctx context.Context, client faas.API) ([]faas.Runtime, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runtimes != nil {
		return c.runtimes, nil
	}
	rts, err := client.ListRuntimes(ctx)
	if err != nil {
		return nil, err
	}
	if rts == nil {
		rts = []faas.Runtime{}
	}
	c.runtimes = rts
	return rts, nil
}
