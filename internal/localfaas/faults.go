package localfaas

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	mathrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind names a fault injected into a request of the API.
type FaultKind string

// The kinds of fault a request can meet. The status faults answer before the
// request is carried out, so nothing changes; a drop carries the request out
// and then closes the connection without answering; latency waits, then
// serves the request as usual.
const (
	FaultInternalError FaultKind = "500"
	FaultBadGateway    FaultKind = "502"
	FaultUnavailable   FaultKind = "503"
	FaultRateLimited   FaultKind = "429" // with Retry-After: FaultConfig.RetryAfter
	FaultDrop          FaultKind = "drop"
	FaultLatency       FaultKind = "latency" // a wait drawn from FaultConfig.Latency
)

// The kinds InjectedFault uses for deploys.
const (
	FaultDeployFail  FaultKind = "deploy-fail"
	FaultDeployStall FaultKind = "deploy-stall"
)

// requestFaultKinds are the kinds a FaultRule may name, in the order used
// when it names none.
var requestFaultKinds = []FaultKind{FaultInternalError, FaultBadGateway, FaultUnavailable, FaultRateLimited, FaultDrop, FaultLatency}

// maxInjectedLog bounds the log of injected faults; the oldest go first.
const maxInjectedLog = 1000

// FaultRule says how often the requests of a route meet a fault, and which.
type FaultRule struct {
	// Rate is the share of requests, from 0 to 1, that meet a fault.
	Rate float64
	// Kinds are the faults to draw from, each as likely; empty means every
	// request kind (500, 502, 503, 429, drop, latency).
	Kinds []FaultKind
}

// FaultConfig is what Server.SetFaults injects. The zero value injects
// nothing.
type FaultConfig struct {
	// Seed makes the faults reproducible: with the same seed, the n-th
	// request of a route meets the same fault (and the n-th deploy the same
	// end) whatever the other routes see, so the same requests give the same
	// faults. 0 picks a random seed, which Faults reports.
	Seed uint64
	// Rate and Kinds are the rule of every route of the contract that Routes
	// does not name.
	Rate  float64
	Kinds []FaultKind
	// Routes override that rule for the routes they name, by the request
	// log's route names, e.g. "POST functions" or "GET functions/{id}".
	Routes map[string]FaultRule
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
func (c FaultConfig) Enabled() bool {
	if c.Rate > 0 || c.DeployFailRate > 0 || c.DeployStall > 0 {
		return true
	}
	for _, rule := range c.Routes {
		if rule.Rate > 0 {
			return true
		}
	}
	return false
}

func (c FaultConfig) clone() FaultConfig {
	c.Kinds = slices.Clone(c.Kinds)
	if c.Routes != nil {
		routes := make(map[string]FaultRule, len(c.Routes))
		for name, rule := range c.Routes {
			rule.Kinds = slices.Clone(rule.Kinds)
			routes[name] = rule
		}
		c.Routes = routes
	}
	return c
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

// InjectedFault is one fault the server injected.
type InjectedFault struct {
	// Route is the request's route; empty for a deploy fault.
	Route string
	// Request counts the route's requests since SetFaults, from 1; for a
	// deploy fault, it counts deploys.
	Request uint64
	Kind    FaultKind
	// Latency is the wait of a latency fault, the stall of a deploy stall.
	Latency time.Duration
	// FunctionID is the deploying function of a deploy fault.
	FunctionID string
	Time       time.Time
}

// faultState is the server's fault injection, under its own lock: the
// request hook takes only this lock, and deploys take it under Server.mu.
type faultState struct {
	// routes are the contract's routes, known to the hook; written only
	// while New registers them.
	routes []string

	mu       sync.Mutex
	cfg      FaultConfig
	on       bool
	counts   map[string]uint64 // requests per route since SetFaults
	deploys  uint64
	injected []InjectedFault
}

// SetFaults replaces the fault configuration and restarts its sequence: the
// same configuration, seed included, and the same requests give the same
// faults again. A configuration that does not validate changes nothing.
// Faults apply to the contract's routes only, after authentication; the
// admin routes never meet one.
func (s *Server) SetFaults(cfg FaultConfig) error {
	cfg = cfg.clone()
	if errs := s.faults.validate(cfg); len(errs) > 0 {
		return fmt.Errorf("localfaas: invalid faults: %w", errs)
	}
	if cfg.Seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		// Small enough to read, type and survive a JSON number in any tool.
		cfg.Seed = binary.BigEndian.Uint64(b[:])%(1<<31) + 1
	}
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg = cfg
	f.on = cfg.Enabled()
	f.counts = map[string]uint64{}
	f.deploys = 0
	f.injected = nil
	return nil
}

// ClearFaults stops injecting faults and forgets those injected.
func (s *Server) ClearFaults() {
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg, f.on, f.counts, f.deploys, f.injected = FaultConfig{}, false, nil, 0, nil
}

// Faults returns the fault configuration in force, with the seed it uses.
func (s *Server) Faults() FaultConfig {
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg.clone()
}

// InjectedFaults returns the faults injected since SetFaults, oldest first
// (the last 1000).
func (s *Server) InjectedFaults() []InjectedFault {
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.injected)
}

func (f *faultState) validate(cfg FaultConfig) fieldErrors {
	errs := fieldErrors{}
	validRate := func(field string, rate float64) {
		if math.IsNaN(rate) || rate < 0 || rate > 1 {
			errs.add(field, "must be from 0 to 1")
		}
	}
	validKinds := func(field string, kinds []FaultKind) {
		for _, k := range kinds {
			if !slices.Contains(requestFaultKinds, k) {
				errs.add(field, "unknown kind %q; kinds: %s", k, joinKinds(requestFaultKinds))
			}
		}
	}
	validRate("rate", cfg.Rate)
	validKinds("kinds", cfg.Kinds)
	for route, rule := range cfg.Routes {
		if !slices.Contains(f.routes, route) {
			errs.add("routes", "unknown route %q; routes: %s", route, strings.Join(f.routes, ", "))
			continue
		}
		validRate("routes."+route+".rate", rule.Rate)
		validKinds("routes."+route+".kinds", rule.Kinds)
	}
	if cfg.RetryAfter < 0 {
		errs.add("retry_after", "must not be negative")
	}
	if cfg.Latency.Min < 0 || cfg.Latency.Max < cfg.Latency.Min {
		errs.add("latency", "must be a range MIN-MAX with 0 <= MIN <= MAX")
	}
	validRate("deploy_fail_rate", cfg.DeployFailRate)
	if cfg.DeployStall < 0 {
		errs.add("deploy_stall", "must not be negative")
	}
	return errs
}

func joinKinds(kinds []FaultKind) string {
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = string(k)
	}
	return strings.Join(parts, ", ")
}

// draw returns the random source of the n-th event of a stream (a route, or
// deploys): a function of the seed, the stream and n alone, so that what one
// route meets does not depend on how other routes interleave with it.
func (f *faultState) draw(stream string, n uint64) *mathrand.Rand {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, f.cfg.Seed)
	b.WriteString(stream)
	b.WriteByte(0)
	_ = binary.Write(&b, binary.BigEndian, n)
	return mathrand.New(mathrand.NewChaCha8(sha256.Sum256(b.Bytes())))
}

func (f *faultState) recordLocked(fault InjectedFault) {
	if len(f.injected) >= maxInjectedLog {
		f.injected = append(f.injected[:0], f.injected[len(f.injected)-maxInjectedLog+1:]...)
	}
	f.injected = append(f.injected, fault)
}

// decide counts a request of the route and draws its fault, if any.
func (f *faultState) decide(route string, now time.Time) (InjectedFault, FaultConfig, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.on {
		return InjectedFault{}, FaultConfig{}, false
	}
	rule, ok := f.cfg.Routes[route]
	if !ok {
		rule = FaultRule{Rate: f.cfg.Rate, Kinds: f.cfg.Kinds}
	}
	f.counts[route]++
	n := f.counts[route]
	rng := f.draw(route, n)
	if rng.Float64() >= rule.Rate {
		return InjectedFault{}, FaultConfig{}, false
	}
	kinds := rule.Kinds
	if len(kinds) == 0 {
		kinds = requestFaultKinds
	}
	fault := InjectedFault{Route: route, Request: n, Kind: kinds[rng.IntN(len(kinds))], Time: now}
	if fault.Kind == FaultLatency {
		lat := f.cfg.Latency
		fault.Latency = lat.Min + time.Duration(rng.Int64N(int64(lat.Max-lat.Min)+1))
	}
	f.recordLocked(fault)
	return fault, f.cfg, true
}

// withFaults makes h, the handler of a route of either dialect, meet the
// faults the configuration draws for it; injected errors take the dialect's
// error form. It is the fault layer's only hook in the request path.
func (s *Server) withFaults(route string, h http.HandlerFunc) http.HandlerFunc {
	s.faults.routes = append(s.faults.routes, route)
	return func(w http.ResponseWriter, r *http.Request) {
		fault, cfg, ok := s.faults.decide(route, s.now())
		if !ok {
			h(w, r)
			return
		}
		where := fmt.Sprintf("seed %d, request %d of %s", cfg.Seed, fault.Request, route)
		switch fault.Kind {
		case FaultLatency:
			wait(r, fault.Latency)
			h(w, r)
		case FaultDrop:
			s.dropAfter(w, r, route, h)
		case FaultRateLimited:
			drain(w, r)
			seconds := int64(math.Ceil(cfg.RetryAfter.Seconds()))
			w.Header().Set("Retry-After", strconv.FormatInt(seconds, 10))
			writeErrorFor(w, r, http.StatusTooManyRequests, fmt.Sprintf(
				"too many requests (fault injected by e2e-faas-local, %s); nothing was done; retry after %d s", where, seconds))
		default:
			drain(w, r)
			status, _ := strconv.Atoi(string(fault.Kind))
			writeErrorFor(w, r, status, fmt.Sprintf(
				"%s (fault injected by e2e-faas-local, %s); nothing was done", http.StatusText(status), where))
		}
	}
}

// wait sleeps d, or until the client gives up.
func wait(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// drain reads the request body a fault answers without carrying out, as a
// real server behind a proxy would, so that the client reads the answer
// rather than a reset from a half-sent body.
func drain(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxBodyBytes))
}

// dropAfter carries the request out, then closes the connection without a
// word: the change is made, and the client sees a transport error.
//
// The request log gets the request's own status, and gets it before the
// connection closes, so that a client that sees the drop also finds it in
// the log. The handler then aborts with http.ErrAbortHandler, so that
// ServeHTTP does not log it again; where the writer cannot give up its
// connection (HTTP/2, or a wrapper that buffers, such as a test's contract
// checker), that abort is what resets the stream or closes the connection
// unanswered.
func (s *Server) dropAfter(w http.ResponseWriter, r *http.Request, route string, h http.HandlerFunc) {
	start := s.now()
	lost := &lostAnswer{header: http.Header{}}
	h(lost, r)
	status := lost.status
	if status == 0 {
		status = http.StatusOK
	}
	s.logRequest(Request{Method: r.Method, Path: r.URL.Path, Route: route, Status: status, Time: start})
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
	panic(http.ErrAbortHandler)
}

// lostAnswer takes the answer a dropped connection never delivers.
type lostAnswer struct {
	header http.Header
	status int
}

func (l *lostAnswer) Header() http.Header { return l.header }
func (l *lostAnswer) WriteHeader(status int) {
	if l.status == 0 {
		l.status = status
	}
}
func (l *lostAnswer) Write(b []byte) (int, error) {
	l.WriteHeader(http.StatusOK)
	return len(b), nil
}

// injectDeployFaultLocked draws the fault of a deploy that starts: a stall
// moves its start later (it ends DeployDelay after deployStart), a failure
// sets how it ends, unless it already fails for its own reason.
func (s *Server) injectDeployFaultLocked(rec *record) {
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.on || (f.cfg.DeployFailRate <= 0 && f.cfg.DeployStall <= 0) {
		return
	}
	f.deploys++
	now := s.now()
	if stall := f.cfg.DeployStall; stall > 0 {
		rec.deployStart = rec.deployStart.Add(stall)
		f.recordLocked(InjectedFault{Request: f.deploys, Kind: FaultDeployStall, Latency: stall, FunctionID: rec.fn.ID, Time: now})
	}
	if f.draw("deploy", f.deploys).Float64() < f.cfg.DeployFailRate {
		if rec.deployErr == "" {
			rec.deployErr = fmt.Sprintf("deploy failed (fault injected by e2e-faas-local, seed %d, deploy %d)", f.cfg.Seed, f.deploys)
		}
		f.recordLocked(InjectedFault{Request: f.deploys, Kind: FaultDeployFail, FunctionID: rec.fn.ID, Time: now})
	}
}
