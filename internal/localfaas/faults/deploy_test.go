// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faults

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)

func newLayer() *Layer { return New(Options{Now: func() time.Time { return t0 }}) }

// TestDeployHook is the order in which the deploy hook settles how a deploy
// ends: the one-shot failure over the deploy's own, a drawn failure under
// both, the stall whatever the failure.
func TestDeployHook(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      Config
		failNext string // "-" leaves it unarmed
		own      string
		want     DeployEnd
		logged   []Kind
	}{
		{name: "nothing", failNext: "-", want: DeployEnd{}},
		{name: "own failure", failNext: "-", own: "cannot unpack", want: DeployEnd{Failure: "cannot unpack"}},
		{name: "one-shot", failNext: "image pull failed", want: DeployEnd{Failure: "image pull failed"}},
		{name: "one-shot default", failNext: "", want: DeployEnd{Failure: defaultFailNext}},
		{name: "one-shot over own", failNext: "image pull failed", own: "cannot unpack", want: DeployEnd{Failure: "image pull failed"}},
		{
			name: "drawn failure", cfg: Config{Seed: 3, DeployFailRate: 1}, failNext: "-",
			want:   DeployEnd{Failure: "deploy failed (fault injected by e2e-faas-local, seed 3, deploy 1)"},
			logged: []Kind{DeployFail},
		},
		{
			name: "drawn failure under own", cfg: Config{Seed: 3, DeployFailRate: 1}, failNext: "-", own: "cannot unpack",
			want: DeployEnd{Failure: "cannot unpack"}, logged: []Kind{DeployFail},
		},
		{
			name: "drawn failure under one-shot", cfg: Config{Seed: 3, DeployFailRate: 1}, failNext: "registry unreachable",
			want: DeployEnd{Failure: "registry unreachable"}, logged: []Kind{DeployFail},
		},
		{
			name: "stall and failure", cfg: Config{Seed: 3, DeployFailRate: 1, DeployStall: time.Minute}, failNext: "-",
			want:   DeployEnd{Stall: time.Minute, Failure: "deploy failed (fault injected by e2e-faas-local, seed 3, deploy 1)"},
			logged: []Kind{DeployStall, DeployFail},
		},
		{name: "stall alone", cfg: Config{DeployStall: time.Second}, failNext: "-", want: DeployEnd{Stall: time.Second}, logged: []Kind{DeployStall}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLayer()
			if err := l.Set(tc.cfg); err != nil {
				t.Fatal(err)
			}
			if tc.failNext != "-" {
				l.FailNextDeploy(tc.failNext)
			}
			if got := l.Deploy("fn-1", tc.own); got != tc.want {
				t.Errorf("Deploy = %+v, want %+v", got, tc.want)
			}
			var logged []Kind
			for _, f := range l.Injected() {
				if f.FunctionID != "fn-1" || f.Request != 1 || f.Route != "" || !f.Time.Equal(t0) {
					t.Errorf("logged %+v", f)
				}
				logged = append(logged, f.Kind)
			}
			if strings.Join(kindStrings(logged), ",") != strings.Join(kindStrings(tc.logged), ",") {
				t.Errorf("logged %v, want %v", logged, tc.logged)
			}
			// The one-shot is spent; with nothing configured the next deploy
			// keeps its own end.
			l.Clear()
			if got := l.Deploy("fn-1", ""); got != (DeployEnd{}) {
				t.Errorf("the next deploy after Clear: %+v", got)
			}
		})
	}
}

func kindStrings(kinds []Kind) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return out
}

// TestFailNextDeployOutlivesTheConfiguration: Set and Clear leave the
// one-shot armed, as the server's FailNextDeploy always has.
func TestFailNextDeployOutlivesTheConfiguration(t *testing.T) {
	l := newLayer()
	l.FailNextDeploy("armed before")
	if err := l.Set(Config{Seed: 1, DeployStall: time.Second}); err != nil {
		t.Fatal(err)
	}
	l.Clear()
	if got := l.Deploy("fn-1", ""); got.Failure != "armed before" {
		t.Errorf("Deploy = %+v, want the armed failure", got)
	}
	if got := l.Injected(); len(got) != 0 {
		t.Errorf("the one-shot was logged as an injected fault: %+v", got)
	}
}
