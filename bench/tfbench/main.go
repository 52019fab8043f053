// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Command tfbench measures the provider end to end with the real terraform
// binary against an in-process local server, side by side with references
// run by the same terraform in the same run, interleaved and repeated (the
// figures are medians, so that a machine shared with other work weighs on
// both sides alike):
//
//  1. apply of N functions with a deploy delay at -parallelism=P, against the
//     ideal: ceil(N/P) waves × the deploy delay, plus what terraform itself
//     takes for N terraform_data resources;
//  2. plan (refresh included) of M unchanged functions against a plan of M
//     random_string of HashiCorp's random provider (a framework provider
//     run through dev_overrides like this one; the row is skipped, with a
//     message, when its binary is absent) and of M terraform_data;
//  3. the apply of 1 with the server answering 429 to a share of requests.
//
// The apply rows also give the API requests per function, as the local
// server counted them.
//
// Run it with `make bench` or `go run ./bench/tfbench`.
package main

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/faults"
)

// Credentials of the throwaway local server, new for every run.
var benchKey, benchToken = randomHex(), randomHex()

func randomHex() string {
	b := make([]byte, 16)
	_, _ = cryptorand.Read(b)
	return hex.EncodeToString(b)
}

type options struct {
	n, parallelism, planN, reps, planReps int
	delay                                 time.Duration
	rate429                               float64
	seed                                  uint64
	randomDir, dialect, timeline          string
	requestsPerSecond                     float64
	plan, apply                           bool
}

func main() {
	var o options
	flag.IntVar(&o.n, "functions", 50, "functions in the apply scenarios")
	flag.IntVar(&o.parallelism, "parallelism", 10, "terraform -parallelism")
	flag.DurationVar(&o.delay, "deploy-delay", time.Second, "the local server's deploy delay")
	flag.IntVar(&o.planN, "plan-functions", 200, "functions in the plan scenario")
	flag.Float64Var(&o.rate429, "429-rate", 0.3, "share of API requests answered 429 in scenario 3")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the 429 injection")
	flag.IntVar(&o.reps, "reps", 3, "repetitions of the apply scenarios")
	flag.IntVar(&o.planReps, "plan-reps", 5, "repetitions of the plan scenario")
	flag.StringVar(&o.randomDir, "random", filepath.Join("..", "shared", "tools", "terraform-provider-random-v3.9.0"),
		"directory holding terraform-provider-random v3.9.0, the plan scenario's peer")
	flag.StringVar(&o.dialect, "dialect", "faas-v1", "API dialect of the local server the provider talks to: faas-v1 or myaccount")
	flag.Float64Var(&o.requestsPerSecond, "requests-per-second", 0, "the provider's requests_per_second in the function configurations (0: the provider's default)")
	flag.StringVar(&o.timeline, "timeline", "", "write the API requests of scenario 1's last apply to this file, in ms from terraform's start")
	scenarios := flag.String("scenarios", "apply,plan", "which scenarios to run: apply (1 and 3), plan (2)")
	flag.Parse()
	o.apply = strings.Contains(*scenarios, "apply")
	o.plan = strings.Contains(*scenarios, "plan")
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "tfbench:", err)
		os.Exit(1)
	}
}

type bench struct {
	dir, bin, rc, terraform, dialect string
	random                           bool
	// lastCPU is the CPU time (user and system) of the last timed command
	// with the providers it ran: steadier than wall time on a busy machine.
	lastCPU time.Duration
	// lastStart is when the last timed command started.
	lastStart time.Time
}

func run(o options) error {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		return fmt.Errorf("terraform must be on PATH")
	}
	if o.dialect != "faas-v1" && o.dialect != "myaccount" {
		return fmt.Errorf("-dialect must be faas-v1 or myaccount")
	}
	dir, err := os.MkdirTemp("", "tfbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &bench{dir: dir, bin: filepath.Join(dir, "bin"), rc: filepath.Join(dir, "terraformrc"), terraform: tf, dialect: o.dialect}
	if out, err := exec.Command("go", "build", "-o", filepath.Join(b.bin, "terraform-provider-e2e"), ".").CombinedOutput(); err != nil {
		return fmt.Errorf("building the provider: %v\n%s", err, out)
	}
	overrides := fmt.Sprintf("    %q = %q\n", "registry.terraform.io/e2eterraformprovider/e2e", b.bin)
	randomDir, err := filepath.Abs(o.randomDir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(randomDir, "terraform-provider-random")); err == nil {
		b.random = true
		overrides += fmt.Sprintf("    %q = %q\n", "registry.terraform.io/hashicorp/random", randomDir)
	} else if o.plan {
		fmt.Printf("no terraform-provider-random in %s: the random_string row of the plan scenario is skipped\n", randomDir)
	}
	rc := "provider_installation {\n  dev_overrides {\n" + overrides + "  }\n  direct {}\n}\n"
	if err := os.WriteFile(b.rc, []byte(rc), 0o600); err != nil {
		return err
	}
	fmt.Printf("machine: %s, %d cores, %s/%s; terraform at %s; dialect %s\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, tf, o.dialect)
	fmt.Printf("load average at start: %s\n\n", loadAverage())

	fmt.Printf("| scenario | measured | reference | ratio | goal | requests per function |\n|---|---:|---:|---:|---:|---:|\n")
	if o.apply {
		if err := b.applyScenarios(o); err != nil {
			return err
		}
	}
	if o.plan {
		if err := b.planScenario(o); err != nil {
			return err
		}
	}
	fmt.Printf("\nload average at end: %s\n", loadAverage())
	return nil
}

// applyScenarios runs scenarios 1 and 3, interleaved with the terraform_data
// reference, o.reps times each on a fresh server and state.
func (b *bench) applyScenarios(o options) error {
	var data, apply, apply429 []time.Duration
	var reqs, reqs429 []float64
	refused := 0 // requests answered 429, over every repetition
	applyArgs := []string{"apply", "-auto-approve", fmt.Sprintf("-parallelism=%d", o.parallelism)}
	for range o.reps {
		d, err := b.timed("data-apply", dataConfig(o.n), nil, true, applyArgs...)
		if err != nil {
			return err
		}
		data = append(data, d)
		for _, rate := range []float64{0, o.rate429} {
			srv, err := startServer(localfaas.Options{DeployDelay: o.delay}, b.dialect, rate, o.seed)
			if err != nil {
				return err
			}
			d, err := b.timed("fn-apply", functionConfig(o.n, b.dialect, o.requestsPerSecond), srv, true, applyArgs...)
			logged, made := srv.local.Requests(), srv.local.Functions()
			requests := float64(len(logged)) / float64(o.n)
			for _, r := range logged {
				if r.Status == http.StatusTooManyRequests {
					refused++
				}
			}
			srv.stop()
			if err != nil {
				return err
			}
			if rate == 0 && o.timeline != "" {
				if err := writeTimeline(o.timeline, b.lastStart, d, logged, made); err != nil {
					return err
				}
			}
			if rate == 0 {
				apply, reqs = append(apply, d), append(reqs, requests)
			} else {
				apply429, reqs429 = append(apply429, d), append(reqs429, requests)
			}
		}
	}
	waves := math.Ceil(float64(o.n) / float64(o.parallelism))
	ideal := time.Duration(waves*float64(o.delay)) + median(data)
	fmt.Printf("| 1. apply %d functions, %s deploys, -parallelism=%d | %s | ideal %.2fs (%d waves × %s + %s terraform_data) | %.2f× | ≤ 1.10× | %.1f |\n",
		o.n, o.delay, o.parallelism, spread(apply), ideal.Seconds(), int(waves), o.delay, spread(data), ratio(median(apply), ideal), median(reqs))
	fmt.Printf("| 3. scenario 1 with %.0f%% of requests answered 429 | %s | ideal %.2fs | %.2f× | ≤ 1.25× | %.1f (%.1f of them 429) |\n",
		o.rate429*100, spread(apply429), ideal.Seconds(), ratio(median(apply429), ideal), median(reqs429), float64(refused)/float64(o.n*o.reps))
	return nil
}

// planScenario plans o.planN unchanged functions, random_string and
// terraform_data, in turn (the order rotating), o.planReps times.
func (b *bench) planScenario(o options) error {
	srv, err := startServer(localfaas.Options{}, b.dialect, 0, 0)
	if err != nil {
		return err
	}
	defer srv.stop()
	type side struct {
		work, config string
		srv          *server
		times, cpu   []time.Duration
	}
	sides := []*side{
		{work: "fn-plan", config: functionConfig(o.planN, b.dialect, o.requestsPerSecond), srv: srv},
		{work: "data-plan", config: dataConfig(o.planN)},
	}
	if b.random {
		sides = append(sides, &side{work: "random-plan", config: randomConfig(o.planN)})
	}
	for _, s := range sides {
		if _, err := b.timed(s.work, s.config, s.srv, false, "apply", "-auto-approve", "-parallelism=50"); err != nil {
			return err
		}
	}
	for i := range o.planReps {
		for j := range sides {
			s := sides[(i+j)%len(sides)]
			d, err := b.timed(s.work, s.config, s.srv, false, "plan", "-detailed-exitcode")
			if err != nil {
				return err
			}
			s.times, s.cpu = append(s.times, d), append(s.cpu, b.lastCPU)
		}
	}
	fn, data := sides[0].times, sides[1].times
	if b.random {
		rnd := sides[2].times
		fmt.Printf("| 2. plan (refresh) %d unchanged functions | %s | %d random_string (random v3.9.0): %s | %.2f× (paired: %.2f×) | ≤ 0.6× | |\n",
			o.planN, spread(fn), o.planN, spread(rnd), ratio(median(fn), median(rnd)), pairedRatio(fn, rnd))
	} else {
		fmt.Printf("| 2. plan (refresh) %d unchanged functions | %s | random_string: skipped, no binary | | ≤ 0.6× | |\n", o.planN, spread(fn))
	}
	if b.random {
		fmt.Printf("| 2, CPU (terraform and providers) | %s | %s | %.2f× (paired: %.2f×) | | |\n",
			spread(sides[0].cpu), spread(sides[2].cpu), ratio(median(sides[0].cpu), median(sides[2].cpu)), pairedRatio(sides[0].cpu, sides[2].cpu))
	}
	fmt.Printf("| 2'. the same plan | %s | %d terraform_data: %s | %.2f× (paired: %.2f×) | | |\n",
		spread(fn), o.planN, spread(data), ratio(median(fn), median(data)), pairedRatio(fn, data))
	return nil
}

func ratio(a, b time.Duration) float64 { return a.Seconds() / b.Seconds() }

// median is the middle value of s (the mean of the middle two for an even
// count).
func median[T time.Duration | float64](s []T) T {
	s = slices.Clone(s)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// pairedRatio is the median of the ratios of runs made one after the other.
func pairedRatio(a, b []time.Duration) float64 {
	rs := make([]float64, len(a))
	for i := range a {
		rs[i] = ratio(a[i], b[i])
	}
	return median(rs)
}

// spread is the median with the fastest and slowest run.
func spread(ds []time.Duration) string {
	return fmt.Sprintf("%.2fs (%.2f–%.2f)", median(ds).Seconds(), slices.Min(ds).Seconds(), slices.Max(ds).Seconds())
}

// timed writes config into a working directory named work and runs terraform
// there, returning the wall time of the command; fresh removes the state
// first.
func (b *bench) timed(work, config string, srv *server, fresh bool, args ...string) (time.Duration, error) {
	wd := filepath.Join(b.dir, work)
	if err := os.MkdirAll(wd, 0o755); err != nil {
		return 0, err
	}
	if fresh {
		for _, f := range []string{"terraform.tfstate", "terraform.tfstate.backup"} {
			_ = os.Remove(filepath.Join(wd, f))
		}
	}
	if err := os.WriteFile(filepath.Join(wd, "main.tf"), []byte(config), 0o644); err != nil {
		return 0, err
	}
	if strings.HasPrefix(work, "data-") {
		if _, err := os.Stat(filepath.Join(wd, ".terraform")); err != nil {
			if out, err := b.cmd(wd, nil, "init", "-input=false").CombinedOutput(); err != nil {
				return 0, fmt.Errorf("terraform init: %v\n%s", err, out)
			}
		}
	}
	cmd := b.cmd(wd, srv, append(args, "-input=false", "-no-color")...)
	start := time.Now()
	b.lastStart = start
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	if cmd.ProcessState != nil {
		b.lastCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil || (args[0] == "plan" && !strings.Contains(string(out), "No changes")) {
		return 0, fmt.Errorf("terraform %s in %s (a plan must find no changes): %v\n%s", strings.Join(args, " "), work, err, out)
	}
	return elapsed, nil
}

func (b *bench) cmd(wd string, srv *server, args ...string) *exec.Cmd {
	cmd := exec.Command(b.terraform, args...)
	cmd.Dir = wd
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+b.rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	if srv != nil {
		cmd.Env = append(cmd.Env, "E2E_API_ENDPOINT="+srv.url, "E2E_API_KEY="+srv.key, "E2E_AUTH_TOKEN="+srv.token)
		if b.dialect == "myaccount" {
			cmd.Env = append(cmd.Env, "E2E_PROJECT_ID=12345", "E2E_LOCATION=Delhi")
		}
	}
	return cmd
}

func dataConfig(n int) string {
	return fmt.Sprintf("resource \"terraform_data\" \"f\" {\n  count = %d\n  input = \"fn-${count.index}\"\n}\n", n)
}

func randomConfig(n int) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    random = { source = "hashicorp/random" }
  }
}

resource "random_string" "s" {
  count  = %d
  length = 16
}
`, n)
}

func functionConfig(n int, dialect string, requestsPerSecond float64) string {
	runtime := "python3.11"
	if dialect == "myaccount" {
		runtime = "python3-http-debian"
	}
	provider := ""
	if requestsPerSecond > 0 {
		provider = fmt.Sprintf("provider \"e2e\" {\n  requests_per_second = %g\n}\n", requestsPerSecond)
	}
	return provider + fmt.Sprintf(`terraform {
  required_providers {
    e2e = { source = "e2eterraformprovider/e2e" }
  }
}

resource "e2e_faas_function" "f" {
  count       = %d
  name        = "bench-${count.index}"
  runtime     = %q
  code_inline = "def handle(event, context):\n    return ${count.index}\n"
}
`, n, runtime)
}

type server struct {
	url, key, token string
	local           *localfaas.Server
	stop            func()
}

// startServer serves the local API on a loopback port, its fault injection
// answering 429 (with Retry-After: 0) to the given share of API requests.
func startServer(opts localfaas.Options, dialect string, rate429 float64, seed uint64) (*server, error) {
	s := &server{key: benchKey, token: benchToken}
	opts.APIKey, opts.AuthToken = s.key, s.token
	s.local = localfaas.New(opts)
	if rate429 > 0 {
		if err := s.local.SetFaults(faults.Config{Seed: seed, Rate: rate429, Kinds: []faults.Kind{faults.RateLimited}}); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: s.local, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	base := api.BasePath
	if dialect == "myaccount" {
		base = api.MyAccountBasePath
	}
	s.url = "http://" + ln.Addr().String() + base
	s.stop = func() { _ = hs.Shutdown(context.Background()); s.local.Close() }
	return s, nil
}

// writeTimeline writes one line per API request: its time from the
// command's start in milliseconds, route, path and status; one per function
// created, with its id; then the end.
func writeTimeline(file string, start time.Time, took time.Duration, logged []localfaas.Request, made []localfaas.Function) error {
	var sb strings.Builder
	for _, f := range made {
		fmt.Fprintf(&sb, "%7.1f created %s\n", float64(f.CreatedAt.Sub(start).Microseconds())/1000, f.ID)
	}
	for _, r := range logged {
		fmt.Fprintf(&sb, "%7.1f %s %s %d\n", float64(r.Time.Sub(start).Microseconds())/1000, r.Route, r.Path, r.Status)
	}
	fmt.Fprintf(&sb, "%7.1f end\n", float64(took.Microseconds())/1000)
	return os.WriteFile(file, []byte(sb.String()), 0o644)
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "model name") {
			if _, v, ok := strings.Cut(line, ":"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown CPU"
}
