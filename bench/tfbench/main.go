// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Command tfbench measures the provider end to end with the real terraform
// binary against an in-process local server, side by side with the same
// number of terraform_data resources, and prints the ratios:
//
//  1. apply of N functions with a deploy delay at -parallelism=P, against the
//     ideal: ceil(N/P) waves × the deploy delay, plus what terraform itself
//     takes for N terraform_data resources;
//  2. plan (refresh) of M existing functions against a plan of M
//     terraform_data resources;
//  3. the apply of 1 with the server answering 429 to a share of requests.
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

func main() {
	functions := flag.Int("functions", 50, "functions in the apply scenarios")
	parallelism := flag.Int("parallelism", 10, "terraform -parallelism")
	deployDelay := flag.Duration("deploy-delay", time.Second, "the local server's deploy delay")
	planFunctions := flag.Int("plan-functions", 200, "functions in the plan scenario")
	rate429 := flag.Float64("429-rate", 0.3, "share of API requests answered 429 in scenario 3")
	seed := flag.Uint64("seed", 1, "seed of the 429 injection")
	flag.Parse()
	if err := run(*functions, *parallelism, *deployDelay, *planFunctions, *rate429, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "tfbench:", err)
		os.Exit(1)
	}
}

type bench struct {
	dir, bin, rc, terraform string
}

func run(n, parallelism int, delay time.Duration, planN int, rate429 float64, seed uint64) error {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		return fmt.Errorf("terraform must be on PATH")
	}
	dir, err := os.MkdirTemp("", "tfbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &bench{dir: dir, bin: filepath.Join(dir, "bin"), rc: filepath.Join(dir, "terraformrc"), terraform: tf}
	if out, err := exec.Command("go", "build", "-o", filepath.Join(b.bin, "terraform-provider-e2e"), ".").CombinedOutput(); err != nil {
		return fmt.Errorf("building the provider: %v\n%s", err, out)
	}
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", "registry.terraform.io/e2eterraformprovider/e2e", b.bin)
	if err := os.WriteFile(b.rc, []byte(rc), 0o600); err != nil {
		return err
	}
	cpu := cpuModel()
	fmt.Printf("machine: %s, %d cores, %s/%s; terraform at %s\n\n", cpu, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, tf)

	// The terraform_data baselines.
	dataApply, err := b.timed("data-apply", dataConfig(n), nil, "apply", "-auto-approve", fmt.Sprintf("-parallelism=%d", parallelism))
	if err != nil {
		return err
	}
	waves := math.Ceil(float64(n) / float64(parallelism))
	ideal := time.Duration(waves*float64(delay)) + dataApply

	// 1. Apply of n functions.
	srv, stop, err := startServer(localfaas.Options{DeployDelay: delay}, 0, 0)
	if err != nil {
		return err
	}
	apply, err := b.timed("fn-apply", functionConfig(n), srv, "apply", "-auto-approve", fmt.Sprintf("-parallelism=%d", parallelism))
	stop()
	if err != nil {
		return err
	}

	// 3. The same apply with 429s.
	srv, stop, err = startServer(localfaas.Options{DeployDelay: delay}, rate429, seed)
	if err != nil {
		return err
	}
	apply429, err := b.timed("fn-apply-429", functionConfig(n), srv, "apply", "-auto-approve", fmt.Sprintf("-parallelism=%d", parallelism))
	stop()
	if err != nil {
		return err
	}

	// 2. Plan of planN existing functions against planN terraform_data.
	if _, err := b.timed("data-plan-setup", dataConfig(planN), nil, "apply", "-auto-approve", "-parallelism=50"); err != nil {
		return err
	}
	dataPlan, err := b.timed("data-plan-setup", dataConfig(planN), nil, "plan", "-detailed-exitcode")
	if err != nil {
		return err
	}
	srv, stop, err = startServer(localfaas.Options{}, 0, 0)
	if err != nil {
		return err
	}
	if _, err := b.timed("fn-plan", functionConfig(planN), srv, "apply", "-auto-approve", "-parallelism=50"); err != nil {
		stop()
		return err
	}
	plan, err := b.timed("fn-plan", functionConfig(planN), srv, "plan", "-detailed-exitcode")
	stop()
	if err != nil {
		return err
	}

	fmt.Printf("| scenario | measured | reference | ratio | goal |\n|---|---:|---:|---:|---:|\n")
	fmt.Printf("| 1. apply %d functions, %s deploys, -parallelism=%d | %.2fs | ideal %.2fs (%d waves × %s + %.2fs terraform_data) | %.2f× | ≤ 1.15× |\n",
		n, delay, parallelism, apply.Seconds(), ideal.Seconds(), int(waves), delay, dataApply.Seconds(), ratio(apply, ideal))
	fmt.Printf("| 2. plan (refresh) %d functions | %.2fs | %d terraform_data %.2fs | %.2f× | ≤ 2× |\n",
		planN, plan.Seconds(), planN, dataPlan.Seconds(), ratio(plan, dataPlan))
	fmt.Printf("| 3. scenario 1 with %.0f%% of requests answered 429 | %.2fs | ideal %.2fs | %.2f× | ≤ 1.5× |\n",
		rate429*100, apply429.Seconds(), ideal.Seconds(), ratio(apply429, ideal))
	return nil
}

func ratio(a, b time.Duration) float64 { return a.Seconds() / b.Seconds() }

// timed writes config into a working directory named work and runs terraform
// there, returning the wall time of the command.
func (b *bench) timed(work, config string, srv *server, args ...string) (time.Duration, error) {
	wd := filepath.Join(b.dir, work)
	if err := os.MkdirAll(wd, 0o755); err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(wd, "main.tf"), []byte(config), 0o644); err != nil {
		return 0, err
	}
	if !strings.HasPrefix(work, "fn-") {
		if out, err := b.cmd(wd, nil, "init", "-input=false").CombinedOutput(); err != nil {
			return 0, fmt.Errorf("terraform init: %v\n%s", err, out)
		}
	}
	cmd := b.cmd(wd, srv, append(args, "-input=false", "-no-color")...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	if err != nil && (args[0] != "plan" || cmd.ProcessState.ExitCode() != 0) {
		return 0, fmt.Errorf("terraform %s in %s: %v\n%s", strings.Join(args, " "), work, err, out)
	}
	return elapsed, nil
}

func (b *bench) cmd(wd string, srv *server, args ...string) *exec.Cmd {
	cmd := exec.Command(b.terraform, args...)
	cmd.Dir = wd
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+b.rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	if srv != nil {
		cmd.Env = append(cmd.Env, "E2E_API_ENDPOINT="+srv.url, "E2E_API_KEY="+srv.key, "E2E_AUTH_TOKEN="+srv.token)
	}
	return cmd
}

func dataConfig(n int) string {
	return fmt.Sprintf("resource \"terraform_data\" \"f\" {\n  count = %d\n  input = \"fn-${count.index}\"\n}\n", n)
}

func functionConfig(n int) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    e2e = { source = "e2eterraformprovider/e2e" }
  }
}

resource "e2e_faas_function" "f" {
  count       = %d
  name        = "bench-${count.index}"
  runtime     = "python3.11"
  code_inline = "def handle(event, context):\n    return ${count.index}\n"
}
`, n)
}

type server struct {
	url, key, token string
}

// startServer serves the local API on a loopback port, its fault injection
// answering 429 (with Retry-After: 0) to the given share of API requests.
func startServer(opts localfaas.Options, rate429 float64, seed uint64) (*server, func(), error) {
	s := &server{key: benchKey, token: benchToken}
	opts.APIKey, opts.AuthToken = s.key, s.token
	local := localfaas.New(opts)
	if rate429 > 0 {
		if err := local.SetFaults(faults.Config{Seed: seed, Rate: rate429, Kinds: []faults.Kind{faults.RateLimited}}); err != nil {
			return nil, nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	hs := &http.Server{Handler: local, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	s.url = "http://" + ln.Addr().String() + api.BasePath
	return s, func() { _ = hs.Shutdown(context.Background()) }, nil
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
