// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
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
	// the function (Adopted set when only its match with the request says
	// so) or a *NameTakenError.
	claim func(ctx context.Context, found *Function, cause error) (*Function, error)
	// nameTaken is the error of a create refused outright (409).
	nameTaken func(ctx context.Context, name string, cause error) error
	// resent: the HTTP transport may send the POST again by itself, so
	// that even the first answer seen may be to a second sending. Go's
	// transport does so for a request that carries an Idempotency-Key
	// (faas-v1) when a reused connection closes before the answer: after a
	// first sending that made the function, on a server that does not
	// honour the key, that answer is a 409.
	resent bool
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
//     too: it may be this create's own function; so is any 409 when the
//     transport may have sent the POST twice (creation.resent).
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
		conflictAfterAmbiguity := (attempt > 0 || cr.resent) && IsConflict(err)
		if !ambiguous(err) && !conflictAfterAmbiguity {
			if IsConflict(err) {
				return nil, cr.nameTaken(ctx, cr.name, err)
			}
			if lastErr != nil {
				// A definite answer to the POST sent again says nothing of
				// the earlier one, which may still be creating the function.
				return nil, fmt.Errorf("%w; sent again: %v", lastErr, err)
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
// create, with no key to prove whose it is, only when it matches what was
// sent (Adopted set); any other is somebody else's, and is left as it is.
func adoptIfMatching(found *Function, req *CreateFunctionRequest, cause error) (*Function, error) {
	if !matchesRequest(found, &req.FunctionSpec) {
		return nil, &NameTakenError{Name: req.Name, Existing: found, Cause: cause}
	}
	found.Adopted = true
	return found, nil
}

// matchesRequest reports whether a function found under the name is what a
// create with this spec made: its code, runtime, memory, timeout and
// environment must be carried by the answer and be the spec's; its
// hardware, requirements and secrets the spec's wherever the answer
// carries them. An answer that does not carry what it must proves nothing.
func matchesRequest(f *Function, spec *FunctionSpec) bool {
	want := spec.CodeSHA256
	if want == "" && spec.CodeText != "" {
		want = textSHA256(spec.CodeText)
	}
	cfg := spec.Config
	if cfg == nil {
		cfg = &FunctionConfig{}
	}
	got := f.Config
	if got == nil {
		got = &FunctionConfig{}
	}
	must := func(field Field, same bool) bool { return f.Carries(field) && same }
	may := func(field Field, same bool) bool { return !f.Carries(field) || same }
	return want != "" &&
		must(FieldCode, f.CodeSHA256 == want) &&
		must(FieldRuntime, f.Runtime != "" && f.Runtime == spec.Runtime) &&
		must(FieldMemory, got.MemoryMB == cfg.MemoryMB) &&
		must(FieldTimeout, got.TimeoutSeconds == cfg.TimeoutSeconds) &&
		must(FieldEnvironment, maps.Equal(f.Environment, spec.Environment)) &&
		may(FieldHardware, cfg.HardwareType == "" || got.HardwareType == "" || got.HardwareType == cfg.HardwareType) &&
		may(FieldRequirements, f.Requirements == spec.Requirements) &&
		may(FieldSecrets, slices.Equal(f.Secrets, spec.Secrets) || len(f.Secrets)+len(spec.Secrets) == 0)
}

// textSHA256 is the code_sha256 of code sent as text.
func textSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
