// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package live_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/acctest/live"
)

// The live tests (make testacc-live): each passes liveSession's gate first,
// which skips without E2E_LIVE_ACC=1 before anything is opened or sent.

func TestLive_probes(t *testing.T) {
	s := liveSession(t)
	t.Parallel()
	probes(t, s)
}

func TestLive_terraform(t *testing.T) {
	s := liveSession(t)
	t.Parallel()
	terraformScenarios(t, s)
}

// TestSweepLive (make sweep-live) deletes the tf-acc- functions runs left
// in the configured project, and lists them.
func TestSweepLive(t *testing.T) {
	settings, skip, err := live.FromEnv(os.Getenv)
	if skip != "" {
		t.Skip(skip)
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := live.Start(settings, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*live.DeleteTimeout)
	defer cancel()
	deleted, err := live.Sweep(ctx, s.Client)
	for _, name := range deleted {
		t.Logf("deleted %s", name)
	}
	t.Logf("deleted %d functions named %s* in project %s (%s)", len(deleted), live.Prefix, settings.ProjectID, settings.Location)
	if err != nil {
		t.Fatal(err)
	}
}

// Without the opt-in, every live entry skips and no connection is opened,
// even with credentials and an endpoint set (here a loopback server that
// counts its connections), and whatever the opt-in's wrong value.
func TestLiveEntries_withoutOptInTouchNothing(t *testing.T) {
	var conns atomic.Int32
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "a live entry reached the API without the opt-in", http.StatusTeapot)
	}))
	ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	ts.Start()
	defer ts.Close()
	entries := map[string]func(*testing.T){
		"TestLive_probes": TestLive_probes, "TestLive_terraform": TestLive_terraform, "TestSweepLive": TestSweepLive,
	}
	liveMu.Lock()
	startedBefore := liveStarted
	liveMu.Unlock()
	t.Setenv(live.EnvEndpoint, ts.URL+"/myaccount/api/v1/")
	t.Setenv(live.EnvAPIKey, "key-not-to-be-sent")
	t.Setenv(live.EnvAuthToken, "token-not-to-be-sent")
	t.Setenv(live.EnvProjectID, "12345")
	for _, optIn := range []string{"", "0", "true", "yes"} {
		t.Setenv(live.EnvOptIn, optIn)
		for name, entry := range entries {
			t.Run(fmt.Sprintf("%s/opt-in=%q", name, optIn), func(t *testing.T) {
				skipped := false
				t.Run("entry", func(t *testing.T) {
					defer func() { skipped = t.Skipped() }()
					entry(t)
				})
				if !skipped {
					t.Errorf("%s with %s=%q did not skip", name, live.EnvOptIn, optIn)
				}
			})
		}
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the live entries opened %d connections without the opt-in", n)
	}
	liveMu.Lock()
	defer liveMu.Unlock()
	if liveStarted && !startedBefore {
		t.Error("a live session was started without the opt-in")
	}
}
