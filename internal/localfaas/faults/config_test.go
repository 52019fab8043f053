// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faults

import (
	"errors"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/answer"
)

func TestDurationRangeText(t *testing.T) {
	ms := time.Millisecond
	for text, want := range map[string]DurationRange{
		"":           {},
		"50ms":       {Min: 50 * ms, Max: 50 * ms},
		"0-50ms":     {Max: 50 * ms},
		"10-50ms":    {Min: 10 * ms, Max: 50 * ms},
		"1.5-2s":     {Min: 1500 * ms, Max: 2000 * ms},
		"10ms-2s":    {Min: 10 * ms, Max: 2 * time.Second},
		" 1ms - 2ms": {Min: ms, Max: 2 * ms},
	} {
		var got DurationRange
		if err := got.UnmarshalText([]byte(text)); err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", text, got, err, want)
		}
		var back DurationRange
		if err := back.UnmarshalText([]byte(got.String())); err != nil || back != got {
			t.Errorf("%q: %s does not read back: %+v, %v", text, got, back, err)
		}
	}
	for _, text := range []string{"soon", "-5ms", "1ms-", "1ms-2ms-3ms", "x-2ms"} {
		var got DurationRange
		if err := got.UnmarshalText([]byte(text)); err == nil {
			t.Errorf("%q was read as %+v", text, got)
		}
	}
}

func TestSetWrapsFieldErrors(t *testing.T) {
	l := newLayer()
	l.Wrap("GET runtimes", nil)
	err := l.Set(Config{Rate: 2, Routes: map[string]Rule{"GET nowhere": {Rate: 1}}})
	var errs answer.FieldErrors
	if !errors.As(err, &errs) || len(errs["rate"]) != 1 || len(errs["routes"]) != 1 {
		t.Fatalf("Set: %v; want field errors for rate and routes", err)
	}
	if got := err.Error(); got != `invalid faults: rate: must be from 0 to 1, routes: unknown route "GET nowhere"; routes: GET runtimes` {
		t.Errorf("error %q", got)
	}
	if l.Config().Enabled() {
		t.Error("a refused configuration was set")
	}
}
