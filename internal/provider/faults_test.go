// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/faults"
)

func envInt(name string, fallback int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return fallback
}

func envFloat(name string, fallback float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil && v > 0 {
		return v
	}
	return fallback
}

// Under injected faults of every kind (500, 502, 503, 429, connections
// dropped after the server acted, latency, failed and slow deploys) an apply
// of many functions converges: after at most a few applies the server holds
// exactly one function per resource, a second plan is empty, and destroy
// leaves none. `make soak` runs it bigger (E2E_SOAK_FUNCTIONS, E2E_SOAK_RATE,
// E2E_SOAK_SEED).
func TestAccFunction_convergesUnderFaults(t *testing.T) {
	t.Parallel()
	n := envInt("E2E_SOAK_FUNCTIONS", 30)
	rate := envFloat("E2E_SOAK_RATE", 0.2)
	seed := uint64(envInt("E2E_SOAK_SEED", 20261125))
	key, token := "key-"+randomHex(t, 8), "token-"+randomHex(t, 8)
	server := localfaas.New(localfaas.Options{APIKey: key, AuthToken: token})
	must(t, server.SetFaults(faults.Config{
		Seed:           seed,
		Rate:           rate,
		Latency:        faults.DurationRange{Max: 20 * time.Millisecond},
		DeployFailRate: rate,
		DeployStall:    100 * time.Millisecond,
	}))
	ts := httptest.NewServer(server)
	defer ts.Close()
	t.Logf("faults: rate %.2f of requests and deploys, seed %d (replay with E2E_SOAK_SEED)", rate, seed)

	ws := newCLIWorkspace(t, "E2E_API_ENDPOINT="+ts.URL+api.BasePath, "E2E_API_KEY="+key, "E2E_AUTH_TOKEN="+token)
	ws.writeConfig(fmt.Sprintf(`
terraform {
  required_providers {
    e2e = { source = "e2eterraformprovider/e2e" }
  }
}

resource "e2e_faas_function" "f" {
  count       = %d
  name        = "soak-${count.index}"
  runtime     = "python3.11"
  code_inline = "def handle(event, context):\n    return ${count.index}\n"
}
`, n))
	converge := func(what string, args ...string) {
		t.Helper()
		var out string
		for attempt := 1; attempt <= 8; attempt++ {
			var code int
			out, code = ws.run(nil, args...)
			if code == 0 {
				t.Logf("%s converged after %d run(s)", what, attempt)
				return
			}
			if strings.Contains(out, "Invalid") || strings.Contains(out, "panic") {
				break
			}
		}
		t.Fatalf("%s did not converge:\n%s", what, out)
	}
	converge("apply", "apply", "-auto-approve", "-no-color", "-parallelism=10")

	fns := server.Functions()
	names := map[string]int{}
	for _, f := range fns {
		names[f.Name]++
		if f.Status != localfaas.StatusRunning {
			t.Errorf("function %s is %s", f.Name, f.Status)
		}
	}
	if len(fns) != n || len(names) != n {
		t.Errorf("the server holds %d functions under %d names, want exactly %d", len(fns), len(names), n)
	}
	for name, count := range names {
		if count > 1 {
			t.Errorf("%d functions named %s", count, name)
		}
	}
	// Refresh and plan under the same faults: nothing to change.
	if out, code := ws.run(nil, "plan", "-detailed-exitcode", "-no-color"); code != 0 {
		// A plan that hit a fault on every retry exits 1: try again once.
		if out2, code2 := ws.run(nil, "plan", "-detailed-exitcode", "-no-color"); code2 != 0 {
			t.Errorf("second plan: exit %d, want an empty plan (0):\n%s\n%s", code2, out, out2)
		}
	}
	converge("destroy", "destroy", "-auto-approve", "-no-color", "-parallelism=10")
	if left := server.Functions(); len(left) != 0 {
		t.Errorf("%d functions left on the server after destroy", len(left))
	}
	injected := map[faults.Kind]int{}
	for _, f := range server.InjectedFaults() {
		injected[f.Kind]++
	}
	t.Logf("faults injected (last %d): %v", len(server.InjectedFaults()), injected)
}
