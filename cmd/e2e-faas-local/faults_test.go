// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

type faultsState struct {
	Enabled bool    `json:"enabled"`
	Seed    uint64  `json:"seed"`
	Rate    float64 `json:"rate"`
	Routes  map[string]struct {
		Rate  float64  `json:"rate"`
		Kinds []string `json:"kinds"`
	} `json:"routes"`
	RetryAfter     string  `json:"retry_after"`
	Latency        string  `json:"latency"`
	DeployFailRate float64 `json:"deploy_fail_rate"`
	DeployStall    string  `json:"deploy_stall"`
}

func TestRunFaultFlags(t *testing.T) {
	s := start(t, "-addr", "127.0.0.1:0", "-api-key", "k", "-auth-token", "t",
		"-fault-rate", "1", "-fault-kinds", "503", "-fault-routes", "GET runtimes, POST functions",
		"-fault-seed", "42", "-fault-retry-after", "0s", "-fault-latency", "0-5ms",
		"-fault-deploy-fail-rate", "0.5", "-fault-deploy-stall", "1s")
	if s.lines[0] != "# fault injection on, seed 42 (replay with -fault-seed 42); see GET /_local/faults" {
		t.Errorf("banner %q: want the seed first", s.lines)
	}
	base, _, _ := parseBanner(t, s.lines)
	if got := get(t, base+"/faas/api/v1/runtimes?apikey=k", "t"); got != http.StatusServiceUnavailable {
		t.Errorf("runtimes: %d, want the injected 503", got)
	}
	if got := get(t, base+"/faas/api/v1/secrets?apikey=k", "t"); got != http.StatusOK {
		t.Errorf("secrets: %d, want no fault off the routes named", got)
	}
	var state faultsState
	call(t, "GET", base+"/_local/faults?apikey=k", "t", "", &state)
	if !state.Enabled || state.Seed != 42 || state.Rate != 0 || len(state.Routes) != 2 || state.RetryAfter != "0s" ||
		state.Latency != "0s-5ms" || state.DeployFailRate != 0.5 || state.DeployStall != "1s" {
		t.Errorf("faults %+v", state)
	}
	for _, route := range []string{"GET runtimes", "POST functions"} {
		if r := state.Routes[route]; r.Rate != 1 || len(r.Kinds) != 1 || r.Kinds[0] != "503" {
			t.Errorf("%s: %+v", route, r)
		}
	}
}

func TestRunFaultFlagsRandomSeed(t *testing.T) {
	s := start(t, "-addr", "127.0.0.1:0", "-api-key", "k", "-auth-token", "t", "-fault-rate", "0.1")
	m := regexp.MustCompile(`^# fault injection on, seed ([0-9]+) \(replay with -fault-seed ([0-9]+)\)`).FindStringSubmatch(s.lines[0])
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Fatalf("banner %q: want the random seed", s.lines)
	}
	base, _, _ := parseBanner(t, s.lines)
	var state faultsState
	call(t, "GET", base+"/_local/faults?apikey=k", "t", "", &state)
	if strconv.FormatUint(state.Seed, 10) != m[1] || state.Rate != 0.1 || len(state.Routes) != 0 {
		t.Errorf("faults %+v, banner seed %s", state, m[1])
	}
}

func TestRunRefusesBadFaultFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-fault-rate", "1", "-fault-kinds", "418"},
		{"-fault-rate", "1", "-fault-routes", "GET nowhere"},
		{"-fault-rate", "2"},
		{"-fault-kinds", "503"},
		{"-fault-routes", "GET runtimes"},
		{"-fault-latency", "soon"},
		{"-fault-deploy-fail-rate", "-1"},
	} {
		err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard)
		if err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"-h"}, &out); err != nil || !strings.Contains(out.String(), "-fault-seed") {
		t.Errorf("-h: %q %v", out.String(), err)
	}
}
