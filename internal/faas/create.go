// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"fmt"
)

// creation is one dialect's part in createOrAdopt.
type creation struct {
	// name is the name of the function to create.
	name string
	// post sends the create once and gives the function it made.
	post func(ctx context.Context) (*Function, error)
	// lookUp reads the function of the name after an ambiguous failure; an
	// error matching ErrNotFound when there is none.
	lookUp func(ctx context.Context, name string) (*Function, error)
	// claim decides whether the function found is this create's: it gives
	// the function (Adopted set when only its runtime and hardware say so)
	// or a *NameTakenError.
	claim func(ctx context.Context, found *Function, cause error) (*Function, error)
	// nameTaken is the error of a create refused outright (409).
	nameTaken func(ctx context.Context, name string, cause error) error
}

// createOrAdopt creates a function and survives a lost answer, in either
// dialect, so that a create is never carried out twice and never leaves a
// function nobody tracks (DESIGN.md#create-and-adopt):
//
//   - an answer that proves nothing was done (a 4xx, 429, a refused
//     connection) is handled as for any request; a 409 is the dialect's
//     nameTaken;
//   - after an ambiguous failure (a dropped connection, a 5xx, a success
//     answer that cannot be read) the function of that name is looked up:
//     the dialect's claim decides whether one that exists is this create's;
//     if there is none, the POST is sent again after a backoff, up to
//     Config.MaxRetries times. A 409 after an ambiguous failure is looked up
//     too: it may be this create's own function.
func (c *core) createOrAdopt(ctx context.Context, cr creation) (*Function, error) {
	var lastErr error
	for attempt := 0; attempt <= c.cfg.MaxRetries; attempt++ {
		f, err := cr.post(ctx)
		if err == nil {
			return f, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		conflictAfterAmbiguity := attempt > 0 && IsConflict(err)
		if !ambiguous(err) && !conflictAfterAmbiguity {
			if IsConflict(err) {
				return nil, cr.nameTaken(ctx, cr.name, err)
			}
			return nil, err
		}
		lastErr = err
		found, ferr := cr.lookUp(ctx, cr.name)
		switch {
		case ferr == nil:
			return cr.claim(ctx, found, err)
		case !IsNotFound(ferr):
			return nil, fmt.Errorf("%w; looking the function up afterwards also failed: %v", err, ferr)
		}
		if err := sleepCtx(ctx, c.backoff(c.cfg.RetryWaitMin, c.cfg.RetryWaitMax, attempt, nil)); err != nil {
			return nil, lastErr
		}
	}
	return nil, lastErr
}

// adoptIfMatching adopts a function found under the name after an ambiguous
// create, with no proof either way, when its runtime and hardware are the
// request's (Adopted set: its other settings may differ and are for the
// caller to bring to the request); any other is somebody else's.
func adoptIfMatching(found *Function, req *CreateFunctionRequest, cause error) (*Function, error) {
	if !matchesRequest(found, req.Runtime, req.Config) {
		return nil, &NameTakenError{Name: req.Name, Existing: found, Cause: cause}
	}
	found.Adopted = true
	return found, nil
}

// matchesRequest reports whether a function found under the name could be
// the one a create with this runtime and config made: its runtime must be
// known and the same, its hardware the same wherever both are known. Other
// settings are brought to the configuration by the caller.
func matchesRequest(f *Function, runtime string, cfg *FunctionConfig) bool {
	if !f.Carries(FieldRuntime) || f.Runtime == "" || f.Runtime != runtime {
		return false
	}
	want, got := "", ""
	if cfg != nil {
		want = cfg.HardwareType
	}
	if f.Config != nil && f.Carries(FieldHardware) {
		got = f.Config.HardwareType
	}
	return want == "" || got == "" || want == got
}
