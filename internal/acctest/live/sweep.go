// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package live

import (
	"context"
	"errors"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// Sweep deletes every function of the client's project whose name starts
// with Prefix, for runs that died before their clean-up, and returns the
// names it deleted. No other function is touched. It goes on past a
// function it cannot delete and returns every such error.
func Sweep(ctx context.Context, c faas.API) ([]string, error) {
	fns, err := c.ListAllFunctions(ctx, faas.ListFunctionsOptions{})
	if err != nil {
		return nil, err
	}
	var deleted []string
	var errs []error
	for _, f := range fns {
		if !Ours(f.Name) {
			continue
		}
		if err := deleteFunction(ctx, c, f.Name); err != nil {
			errs = append(errs, err)
			continue
		}
		deleted = append(deleted, f.Name)
	}
	return deleted, errors.Join(errs...)
}
