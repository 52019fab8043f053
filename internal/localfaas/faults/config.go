// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package faults is the local server's fault layer: what it injects into the
// requests of the API and into deploys, drawn from a seed so that a failing
// run replays. It meets the server at two hooks only: Layer.Wrap, around
// each route of the contract, and Layer.Deploy, when a deploy starts. It
// knows HTTP, not the server's store or dialects: how an injected error is
// written and how a dropped request is logged are the server's, given in
// Options.
package faults

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/answer"
)

// Kind names a fault injected into a request of the API, or into a deploy.
type Kind string

// The kinds of fault a request can meet. The status faults answer before the
// request is carried out, so nothing changes; a drop carries the request out
// and then closes the connection without answering; latency waits, then
// serves the request as usual.
const (
	InternalError Kind = "500"
	BadGateway    Kind = "502"
	Unavailable   Kind = "503"
	RateLimited   Kind = "429" // with Retry-After: Config.RetryAfter
	Drop          Kind = "drop"
	Latency       Kind = "latency" // a wait drawn from Config.Latency
)

// The kinds Injected uses for deploys.
const (
	DeployFail  Kind = "deploy-fail"
	DeployStall Kind = "deploy-stall"
)

// requestKinds are the kinds a Rule may name, in the order used when it
// names none.
var requestKinds = []Kind{InternalError, BadGateway, Unavailable, RateLimited, Drop, Latency}

// Rule says how often the requests of a route meet a fault, and which.
type Rule struct {
	// Rate is the share of requests, from 0 to 1, that meet a fault.
	Rate float64
	// Kinds are the faults to draw from, each as likely; empty means every
	// request kind (500, 502, 503, 429, drop, latency).
	Kinds []Kind
}

// Config is what Layer.Set injects. The zero value injects nothing.
type Config struct {
	// Seed makes the faults reproducible: with the same seed, the n-th
	// request of a route meets the same fault (and the n-th deploy the same
	// end) whatever the other routes see, so the same requests give the same
	// faults. 0 picks a random seed, which Layer.Config reports.
	Seed uint64
	// Rate and Kinds are the rule of every route of the contract that Routes
	// does not name.
	Rate  float64
	Kinds []Kind
	// Routes override that rule for the routes they name, by the request
	// log's route names, e.g. "POST functions" or "GET functions/{id}".
	Routes map[string]Rule
	// RetryAfter is what 429 answers ask to wait, in whole seconds (rounded
	// up); 0 is allowed.
	RetryAfter time.Duration
	// Latency is the range a latency fault's wait is drawn from.
	Latency DurationRange
	// DeployFailRate is the share of deploys, from 0 to 1, that end Failed.
	DeployFailRate float64
	// DeployStall is extra time every deploy stays Deploying.
	DeployStall time.Duration
}

// Enabled reports whether the configuration injects anything.
func (c Config) Enabled() bool {
	if c.Rate > 0 || c.deploys() {
		return true
	}
	for _, rule := range c.Routes {
		if rule.Rate > 0 {
			return true
		}
	}
	return false
}

// deploys reports whether the configuration injects into deploys.
func (c Config) deploys() bool { return c.DeployFailRate > 0 || c.DeployStall > 0 }

func (c Config) clone() Config {
	c.Kinds = slices.Clone(c.Kinds)
	if c.Routes != nil {
		routes := make(map[string]Rule, len(c.Routes))
		for name, rule := range c.Routes {
			rule.Kinds = slices.Clone(rule.Kinds)
			routes[name] = rule
		}
		c.Routes = routes
	}
	return c
}

// validate returns what is wrong with c, by the field names of its JSON
// form ("rate", "routes.GET runtimes.kinds", "deploy_stall"); routes are the
// route names a rule may name.
func (c Config) validate(routes []string) answer.FieldErrors {
	errs := answer.FieldErrors{}
	validRate := func(field string, rate float64) {
		if math.IsNaN(rate) || rate < 0 || rate > 1 {
			errs.Add(field, "must be from 0 to 1")
		}
	}
	validKinds := func(field string, kinds []Kind) {
		for _, k := range kinds {
			if !slices.Contains(requestKinds, k) {
				errs.Add(field, "unknown kind %q; kinds: %s", k, joinKinds(requestKinds))
			}
		}
	}
	validRate("rate", c.Rate)
	validKinds("kinds", c.Kinds)
	for route, rule := range c.Routes {
		if !slices.Contains(routes, route) {
			errs.Add("routes", "unknown route %q; routes: %s", route, strings.Join(routes, ", "))
			continue
		}
		validRate("routes."+route+".rate", rule.Rate)
		validKinds("routes."+route+".kinds", rule.Kinds)
	}
	if c.RetryAfter < 0 {
		errs.Add("retry_after", "must not be negative")
	}
	if c.Latency.Min < 0 || c.Latency.Max < c.Latency.Min {
		errs.Add("latency", "must be a range MIN-MAX with 0 <= MIN <= MAX")
	}
	validRate("deploy_fail_rate", c.DeployFailRate)
	if c.DeployStall < 0 {
		errs.Add("deploy_stall", "must not be negative")
	}
	return errs
}

func joinKinds(kinds []Kind) string {
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = string(k)
	}
	return strings.Join(parts, ", ")
}

// DurationRange is a closed range of durations. As text it is "MIN-MAX"
// ("0-50ms", "10ms-2s"; a MIN without a unit takes MAX's) or one duration.
type DurationRange struct{ Min, Max time.Duration }

func (d DurationRange) String() string {
	if d.Min == d.Max {
		return d.Max.String()
	}
	return d.Min.String() + "-" + d.Max.String()
}

// MarshalText writes the range as String does.
func (d DurationRange) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "MIN-MAX" or a single duration; "" is the zero range.
func (d *DurationRange) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	if s == "" {
		*d = DurationRange{}
		return nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		lo = s
		hi = s
	}
	maxD, err := time.ParseDuration(strings.TrimSpace(hi))
	if err != nil {
		return fmt.Errorf("%q is not a duration or a range such as 0-50ms", s)
	}
	lo = strings.TrimSpace(lo)
	if _, err := strconv.ParseFloat(lo, 64); err == nil && lo != "0" {
		lo += strings.TrimLeft(strings.TrimSpace(hi), "0123456789.")
	}
	minD, err := time.ParseDuration(lo)
	if err != nil {
		return fmt.Errorf("%q is not a duration or a range such as 0-50ms", s)
	}
	*d = DurationRange{Min: minD, Max: maxD}
	return nil
}
