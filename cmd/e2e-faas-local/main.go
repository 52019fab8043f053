// Command e2e-faas-local serves the E2E FaaS API locally, from memory, so
// that the provider can be tried and tested without an E2E account.
//
// It prints the base URL and the environment lines that point the provider
// at it:
//
//	e2e-faas-local listening on http://127.0.0.1:8088
//	export E2E_API_ENDPOINT=http://127.0.0.1:8088/faas/api/v1/
//	export E2E_API_KEY=...
//	export E2E_AUTH_TOKEN=...
//
// With the -fault-* flags it injects faults into API requests (5xx and 429
// answers, dropped connections, latency) and into deploys (failures,
// stalls), drawn from a seed it prints so that a failing run can be
// replayed; for example:
//
//	e2e-faas-local -fault-rate 0.2 -fault-kinds 503,429,drop -fault-routes "POST functions,GET functions/{id}" \
//	    -fault-seed 42 -fault-retry-after 0s -fault-deploy-fail-rate 0.1
//
// See package localfaas for the API, fault injection and the /_local/ admin
// routes.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const shutdownTimeout = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "e2e-faas-local:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("e2e-faas-local", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", "127.0.0.1:8088", "`address` to listen on; port 0 picks a free port")
	apiKey := fs.String("api-key", "", "API key clients must send (default $E2E_LOCAL_API_KEY, else random)")
	authToken := fs.String("auth-token", "", "auth token clients must send (default $E2E_LOCAL_AUTH_TOKEN, else random)")
	project := fs.String("project", "local", "project of requests without a project_id parameter")
	deployDelay := fs.Duration("deploy-delay", 2*time.Second, "how long a deploy takes")
	deleteDelay := fs.Duration("delete-delay", time.Second, "how long a delete takes")
	envelope := fs.Bool("envelope", false, `wrap success bodies as {"code","data","errors","message"}`)
	functions := addFunctionFlags(fs)
	envFile := fs.String("env-file", "", "when ready, write the export lines to this `file`")
	allowRemote := fs.Bool("allow-remote", false, "allow listening on a non-loopback address")
	showVersion := fs.Bool("version", false, "print the version and exit")
	faults := addFaultFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *showVersion {
		_, err := fmt.Fprintln(stdout, "e2e-faas-local", version)
		return err
	}
	if *functions.invoke != "" {
		return invokeFunction(ctx, *functions.invoke, *functions.data, stdout)
	}
	if err := checkLoopback(*addr, *allowRemote); err != nil {
		return err
	}

	fnRunner := functions.newRunner(stdout)
	defer functions.close() // after Shutdown: calls in flight are answered first

	key := credential(*apiKey, "E2E_LOCAL_API_KEY")
	token := credential(*authToken, "E2E_LOCAL_AUTH_TOKEN")
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	local := localfaas.New(localfaas.Options{
		APIKey: key, AuthToken: token, DefaultProject: *project,
		DeployDelay: *deployDelay, DeleteDelay: *deleteDelay, Envelope: *envelope, Runner: fnRunner,
	})
	if err := faults.install(local, stdout); err != nil {
		_ = ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           local,
		ReadHeaderTimeout: 10 * time.Second,
	}

	base := baseURL(ln.Addr())
	exports := fmt.Sprintf("export E2E_API_ENDPOINT=%s/faas/api/v1/\nexport E2E_API_KEY=%s\nexport E2E_AUTH_TOKEN=%s\n",
		base, shellQuote(key), shellQuote(token))
	if *envFile != "" {
		if err := writeFileAtomic(*envFile, []byte(exports)); err != nil {
			_ = ln.Close()
			return fmt.Errorf("write env file: %w", err)
		}
	}
	if !isLoopback(ln.Addr()) {
		fmt.Fprintln(stdout, "# warning: reachable beyond this machine, over plain HTTP")
	}
	fmt.Fprintf(stdout, "e2e-faas-local listening on %s\n%s", base, exports)
	functions.describe(stdout)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// credential is the flag's value, else the environment's, else a random one.
func credential(flagValue, env string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := os.Getenv(env); v != "" {
		return v
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// checkLoopback refuses addresses beyond this machine unless allowed: the
// server keeps everything in memory and speaks plain HTTP.
func checkLoopback(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if allowRemote || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to listen on %q: not a loopback address, and the server is for local use; pass -allow-remote to listen there anyway", addr)
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// baseURL is where clients reach the listener; a wildcard address is
// reached through loopback.
func baseURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(tcp.Port)))
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// shellQuote makes a value safe to paste into a POSIX shell.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// writeFileAtomic writes a temporary file beside path and renames it, so a
// reader never sees half the lines. The file is private: it holds credentials.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
