// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/faults"
)

// faultFlags are the -fault-* flags: the command-line form of faults.Config.
type faultFlags struct {
	rate   float64
	kinds  []faults.Kind
	routes []string
	cfg    faults.Config // seed, retry-after, latency and the deploy faults
}

func addFaultFlags(fs *flag.FlagSet) *faultFlags {
	f := &faultFlags{cfg: faults.Config{
		RetryAfter: time.Second,
		Latency:    faults.DurationRange{Max: 100 * time.Millisecond},
	}}
	fs.Float64Var(&f.rate, "fault-rate", 0, "share of API requests, 0 to 1, that meet an injected fault (see -fault-kinds); 0 injects none")
	fs.Func("fault-kinds", "comma-separated `kinds` of fault to inject: 500, 502, 503 (answered before the request is carried out), "+
		"429 (with Retry-After), drop (the request is carried out, then the connection closes unanswered), "+
		"latency (a wait, then the request is served) (default all)", func(v string) error {
		f.kinds = nil
		for _, k := range splitList(v) {
			f.kinds = append(f.kinds, faults.Kind(k))
		}
		return nil
	})
	fs.Func("fault-routes", "comma-separated `routes` that meet faults, named as each request's console line names it (unless -quiet) and as GET /_local/requests does, "+
		`e.g. "POST functions,GET functions/{id}", "PUT faas/handler_file/{name}/" (default every API route)`, func(v string) error {
		f.routes = splitList(v)
		return nil
	})
	fs.Uint64Var(&f.cfg.Seed, "fault-seed", 0, "`seed` of the faults: the same seed and the same requests give the same faults (default random; printed at start)")
	fs.DurationVar(&f.cfg.RetryAfter, "fault-retry-after", f.cfg.RetryAfter, "Retry-After of injected 429 answers, rounded up to whole seconds; 0s is allowed")
	fs.TextVar(&f.cfg.Latency, "fault-latency", f.cfg.Latency, "`range` of an injected latency, e.g. 0-50ms or 10ms-2s")
	fs.Float64Var(&f.cfg.DeployFailRate, "fault-deploy-fail-rate", 0, "share of deploys, 0 to 1, that end Failed")
	fs.DurationVar(&f.cfg.DeployStall, "fault-deploy-stall", 0, "extra time every deploy stays Deploying")
	return f
}

func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// config is the fault configuration the flags ask for: with -fault-routes,
// a rule for each of those routes; without, one for every route.
func (f *faultFlags) config() (faults.Config, error) {
	cfg := f.cfg
	if f.rate == 0 && (len(f.kinds) > 0 || len(f.routes) > 0) {
		return cfg, errors.New("-fault-kinds and -fault-routes need a -fault-rate above 0")
	}
	if len(f.routes) == 0 {
		cfg.Rate, cfg.Kinds = f.rate, f.kinds
		return cfg, nil
	}
	cfg.Routes = map[string]faults.Rule{}
	for _, route := range f.routes {
		cfg.Routes[route] = faults.Rule{Rate: f.rate, Kinds: f.kinds}
	}
	return cfg, nil
}

// install sets the faults the flags ask for, if any, and says so on out with
// the seed, so that a failing run can be replayed.
func (f *faultFlags) install(srv *localfaas.Server, out io.Writer) error {
	cfg, err := f.config()
	if err != nil {
		return err
	}
	// Validate whatever was given, even when it injects nothing.
	if err := srv.SetFaults(cfg); err != nil {
		return fmt.Errorf("-fault-* flags: %w", err)
	}
	if !cfg.Enabled() {
		srv.ClearFaults()
		return nil
	}
	cfg = srv.Faults()
	_, err = fmt.Fprintf(out, "# fault injection on, seed %d (replay with -fault-seed %d); see GET /_local/faults\n", cfg.Seed, cfg.Seed)
	return err
}
