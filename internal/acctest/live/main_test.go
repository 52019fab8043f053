// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package live_test

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/acctest/live"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/acctest/tfsetup"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/conformance"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/provider"
)

// terraformMissing says why the tests that drive terraform cannot run.
var terraformMissing string

var providerFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"e2e": providerserver.NewProtocol6WithError(provider.New("live-test")()),
}

// TestMain pins the terraform binary on PATH (terraform-plugin-testing would
// otherwise download one) and isolates the CLI configuration; after the run
// it writes the report of the live session, if one was started.
func TestMain(m *testing.M) {
	missing, cleanup, err := tfsetup.Setup("these tests")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	terraformMissing = missing
	code := m.Run()
	if err := finishLive(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	cleanup()
	os.Exit(code)
}

// needTerraform skips (or, for a live run, fails) a test without terraform.
func needTerraform(t *testing.T, fail bool) {
	t.Helper()
	if terraformMissing == "" {
		return
	}
	if fail {
		t.Fatal(terraformMissing)
	}
	t.Skip(terraformMissing)
}

// The live session: one proxy and one recorder for every live test of the
// process, so that one report covers the run.
var (
	liveMu      sync.Mutex
	liveSess    *live.Session
	liveStarted bool
	liveErr     error
)

// liveSession is the gate of every live test: without the opt-in it skips
// before anything is opened or sent; with it, it returns the shared session.
func liveSession(t *testing.T) *live.Session {
	t.Helper()
	settings, skip, err := live.FromEnv(os.Getenv)
	if skip != "" {
		t.Skip(skip)
	}
	if err != nil {
		t.Fatal(err)
	}
	needTerraform(t, true)
	liveMu.Lock()
	defer liveMu.Unlock()
	if !liveStarted {
		liveStarted = true
		liveSess, liveErr = live.Start(settings, nil)
	}
	if liveErr != nil {
		t.Fatal(liveErr)
	}
	return liveSess
}

// finishLive writes the live session's report and closes it.
func finishLive() error {
	liveMu.Lock()
	defer liveMu.Unlock()
	if liveSess == nil {
		return nil
	}
	defer liveSess.Close()
	r, err := liveSess.WriteReport(liveSess.Settings.Report)
	if err != nil {
		return fmt.Errorf("the conformance report could not be written: %w", err)
	}
	fmt.Fprintf(os.Stderr, "conformance report: %s (%d held, %d did not hold, %d not observed)\n",
		liveSess.Settings.Report, r.Count(conformance.Held), r.Count(conformance.NotHeld), r.Count(conformance.NotObserved))
	return nil
}
