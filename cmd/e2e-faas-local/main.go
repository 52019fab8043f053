// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Command e2e-faas-local serves the E2E FaaS API locally, from memory, so
// that the provider can be tried and tested without an E2E account.
//
// It prints the base URL and the environment lines that point the provider
// at it, for the MyAccount API (the provider's default) and, as comments,
// for the faas-v1 API (or the other way round with -dialect faas-v1):
//
//	e2e-faas-local listening on http://127.0.0.1:8088
//	export E2E_API_ENDPOINT=http://127.0.0.1:8088/myaccount/api/v1/
//	export E2E_PROJECT_ID=12345
//	export E2E_LOCATION=Delhi
//	export E2E_API_KEY=...
//	export E2E_AUTH_TOKEN=...
//	# faas-v1 API (-dialect faas-v1): the same key and token, with
//	# export E2E_API_ENDPOINT=http://127.0.0.1:8088/faas/api/v1/
//
// The credentials are $E2E_LOCAL_API_KEY and $E2E_LOCAL_AUTH_TOKEN, else
// random ones; the -api-key and -auth-token flags also set them, but show in
// ps to every user of the machine.
//
// While it serves, it prints a line per API request (method, route name as
// -fault-routes takes it, status, duration), per deploy that starts,
// finishes or fails (with why), and per line of a function's output,
// prefixed by the function's name; -quiet prints only the banner.
//
// SIGINT or SIGTERM starts a graceful shutdown: calls in flight are answered,
// then the functions' processes are ended, within -shutdown-timeout, past
// which the rest is ended at once. A second signal ends everything at once.
// Either way the exit status is 1 when something had to be cut short.
//
// With the -fault-* flags it injects faults into API requests (5xx and 429
// answers, dropped connections, latency) and into deploys (failures,
// stalls), drawn from a seed it prints so that a failing run can be
// replayed; for example:
//
//	e2e-faas-local -fault-rate 0.2 -fault-kinds 503,429,drop -fault-routes "POST functions,GET functions/{id}" \
//	    -fault-seed 42 -fault-retry-after 0s -fault-deploy-fail-rate 0.1
//
// What the server adds to the API documents, the fault configuration and the
// /_local/ admin routes are in internal/localfaas/README.md; how functions
// run, and the flags that govern it, in LOCAL_RUNTIMES.md.
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

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// stopGrace is how long past -shutdown-timeout the server waits for the
// functions' processes, which it has killed by then, before it exits anyway.
const stopGrace = 5 * time.Second

func main() {
	// Functions run as this user: keep them from reading this process's
	// memory and environment (the credentials) through /proc or ptrace.
	if err := hardenProcess(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e-faas-local: warning:", err)
	}
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	now := make(chan struct{})
	go func() {
		<-signals
		cancel() // the first: a graceful shutdown
		<-signals
		close(now) // the second: at once
	}()
	if err := serve(ctx, processControl{now: now, ownsChildren: true}, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "e2e-faas-local:", err)
		os.Exit(1)
	}
}

// processControl is what main, and not a test calling run, gives serve.
type processControl struct {
	// now is closed when everything must end at once.
	now <-chan struct{}
	// ownsChildren: every child process of this process is a function's.
	ownsChildren bool
}

// run serves until ctx is done, then shuts down gracefully. Tests call it
// in-process.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	return serve(ctx, processControl{}, args, stdout)
}

var errStoppedAtOnce = errors.New("stopped at once by a second signal; the functions' processes were killed")

// serve serves until ctx is done, then shuts down gracefully, or at once
// when pc.now is closed.
func serve(ctx context.Context, pc processControl, args []string, stdout io.Writer) error {
	o, err := parseFlags(args, stdout)
	if err != nil || o == nil {
		return err // nil after -h
	}
	switch {
	case o.showVersion:
		_, err := fmt.Fprintln(stdout, "e2e-faas-local", version)
		return err
	case *o.functions.invoke != "":
		return invokeFunction(ctx, *o.functions.invoke, *o.functions.data, stdout)
	}
	if err := o.check(); err != nil {
		return err
	}
	l, err := launch(o, pc, stdout)
	if err != nil {
		return err
	}
	return l.serveUntil(ctx, pc)
}

// options are the command's flags.
type options struct {
	addr, apiKey, authToken, project, dialect, envFile string
	deployDelay, deleteDelay                           time.Duration
	envelope, allowRemote, quiet, showVersion          bool
	limits                                             *limitFlags
	functions                                          *functionFlags
	faults                                             *faultFlags
}

// parseFlags reads the flags; it returns nil options after -h, which
// printed the usage.
func parseFlags(args []string, stdout io.Writer) (*options, error) {
	fs := flag.NewFlagSet("e2e-faas-local", flag.ContinueOnError)
	fs.SetOutput(stdout)
	o := &options{}
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8088", "`address` to listen on; port 0 picks a free port")
	fs.StringVar(&o.apiKey, "api-key", "", "API key clients must send (default $E2E_LOCAL_API_KEY, else random); a flag shows in ps to every user, the variable does not")
	fs.StringVar(&o.authToken, "auth-token", "", "auth token clients must send (default $E2E_LOCAL_AUTH_TOKEN, else random); a flag shows in ps to every user, the variable does not")
	fs.StringVar(&o.project, "project", "local", "project of requests without a project_id parameter; the E2E_PROJECT_ID printed for the MyAccount API when it is a positive integer, else "+defaultProjectID)
	fs.StringVar(&o.dialect, "dialect", dialectMyAccount, "`API` whose settings the export lines and -env-file set: myaccount (the provider's default) or faas-v1; the other's are printed as comments")
	o.limits = addLimitFlags(fs)
	fs.DurationVar(&o.deployDelay, "deploy-delay", 2*time.Second, "how long a deploy takes")
	fs.DurationVar(&o.deleteDelay, "delete-delay", time.Second, "how long a delete takes")
	fs.BoolVar(&o.envelope, "envelope", false, `wrap success bodies as {"code","data","errors","message"}`)
	o.functions = addFunctionFlags(fs)
	fs.StringVar(&o.envFile, "env-file", "", "when ready, write the export lines to this `file`")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow listening on a non-loopback address")
	fs.BoolVar(&o.quiet, "quiet", false, "print only the banner: no line per API request, deploy or line of a function's output")
	fs.BoolVar(&o.showVersion, "version", false, "print the version and exit")
	o.faults = addFaultFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return o, nil
}

// check refuses settings the server cannot serve with.
func (o *options) check() error {
	if err := checkLoopback(o.addr, o.allowRemote); err != nil {
		return err
	}
	if o.dialect != dialectFaaSV1 && o.dialect != dialectMyAccount {
		return fmt.Errorf("-dialect %q: it must be %s or %s", o.dialect, dialectMyAccount, dialectFaaSV1)
	}
	return o.limits.check()
}

// launched is a server listening, with its banner printed.
type launched struct {
	srv       *http.Server
	functions *functionFlags
	shutdown  time.Duration // -shutdown-timeout
	stdout    io.Writer
	served    chan error // what srv.Serve returned
}

// launch listens, builds the server, writes the env file and prints the
// banner; then it serves.
func launch(o *options, pc processControl, stdout io.Writer) (*launched, error) {
	key := credential(o.apiKey, "E2E_LOCAL_API_KEY")
	token := credential(o.authToken, "E2E_LOCAL_AUTH_TOKEN")
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return nil, err
	}
	fnRunner := o.functions.newRunner(stdout, pc.ownsChildren)
	var console io.Writer
	if !o.quiet {
		console = stdout
	}
	local := localfaas.New(localfaas.Options{
		APIKey: key, AuthToken: token, DefaultProject: o.project,
		DeployDelay: o.deployDelay, DeleteDelay: o.deleteDelay, Envelope: o.envelope, Runner: fnRunner,
		Console: console,
	})
	fail := func(err error) (*launched, error) {
		_ = ln.Close()
		o.functions.close()
		return nil, err
	}
	if err := o.faults.install(local, stdout); err != nil {
		return fail(err)
	}
	exports := exportLines(baseURL(ln.Addr()), key, token, o.dialect, o.project)
	if o.envFile != "" {
		if err := writeFileAtomic(o.envFile, []byte(exports)); err != nil {
			return fail(fmt.Errorf("write env file: %w", err))
		}
	}
	printBanner(stdout, o, ln.Addr(), exports)
	limited := o.limits.listener(ln)
	l := &launched{
		srv: o.limits.server(local, limited), functions: o.functions,
		shutdown: o.limits.shutdown, stdout: stdout, served: make(chan error, 1),
	}
	go func() { l.served <- l.srv.Serve(limited) }()
	return l, nil
}

// printBanner says where the server listens and how to point the provider
// at it.
func printBanner(stdout io.Writer, o *options, addr net.Addr, exports string) {
	if !isLoopback(addr) {
		fmt.Fprintln(stdout, "# warning: reachable beyond this machine, over plain HTTP")
	}
	fmt.Fprintf(stdout, "e2e-faas-local listening on %s\n%s", baseURL(addr), exports)
	if o.apiKey != "" || o.authToken != "" {
		fmt.Fprintln(stdout, "# note: -api-key and -auth-token show in ps to every user of this machine; $E2E_LOCAL_API_KEY and $E2E_LOCAL_AUTH_TOKEN do not")
	}
	o.functions.describe(stdout)
}

// serveUntil serves until ctx is done, then shuts down gracefully; at once
// when pc.now is closed.
func (l *launched) serveUntil(ctx context.Context, pc processControl) error {
	select {
	case err := <-l.served:
		l.functions.close()
		return err
	case <-pc.now:
		return l.stopAtOnce()
	case <-ctx.Done():
	}
	fmt.Fprintf(l.stdout, "# shutting down within %s (-shutdown-timeout); interrupt again to stop at once\n", l.shutdown)
	stopped := make(chan error, 1)
	go func() { stopped <- l.shutDown() }()
	giveUp := time.NewTimer(l.shutdown + stopGrace)
	defer giveUp.Stop()
	select {
	case err := <-stopped:
		if err != nil {
			return err
		}
		if err := <-l.served; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-pc.now:
		return l.stopAtOnce()
	case <-giveUp.C:
		_ = l.stopAtOnce()
		return fmt.Errorf("the functions did not stop within %s (-shutdown-timeout) and %s: their processes were killed", l.shutdown, stopGrace)
	}
}

// shutDown answers the calls in flight, then stops the functions; past
// -shutdown-timeout, what is left is cut.
func (l *launched) shutDown() error {
	ctx, cancel := context.WithTimeout(context.Background(), l.shutdown)
	defer cancel()
	err := l.srv.Shutdown(ctx)
	if err != nil {
		_ = l.srv.Close()
		l.functions.kill()
		err = fmt.Errorf("calls still in flight after %s (-shutdown-timeout) were cut, and the functions' processes killed", l.shutdown)
	}
	l.functions.close()
	return err
}

// stopAtOnce kills the functions and closes every connection.
func (l *launched) stopAtOnce() error {
	l.functions.kill()
	_ = l.srv.Close()
	return errStoppedAtOnce
}

// The API dialects whose settings the banner prints.
const (
	dialectFaaSV1    = "faas-v1"
	dialectMyAccount = "myaccount"
	defaultProjectID = "12345"
	myAccountRegion  = "Delhi"
)

// exportLines are the settings that point the provider at the server: the
// export lines of the dialect chosen, then the other's as comments.
func exportLines(base, key, token, dialect, project string) string {
	projectID := defaultProjectID
	if catalogue.IsProjectID(project) { // the rule the provider and the server check
		projectID = project
	}
	faasV1 := []string{"E2E_API_ENDPOINT=" + base + "/faas/api/v1/"}
	myAccount := []string{"E2E_API_ENDPOINT=" + base + "/myaccount/api/v1/", "E2E_PROJECT_ID=" + projectID, "E2E_LOCATION=" + myAccountRegion}
	active, other, otherName := faasV1, myAccount, "MyAccount API (-dialect "+dialectMyAccount+")"
	if dialect == dialectMyAccount {
		active, other, otherName = myAccount, faasV1, "faas-v1 API (-dialect "+dialectFaaSV1+")"
	}
	var b strings.Builder
	for _, kv := range append(active, "E2E_API_KEY="+shellQuote(key), "E2E_AUTH_TOKEN="+shellQuote(token)) {
		fmt.Fprintf(&b, "export %s\n", kv)
	}
	fmt.Fprintf(&b, "# %s: the same key and token, with\n", otherName)
	for _, kv := range other {
		fmt.Fprintf(&b, "# export %s\n", kv)
	}
	return b.String()
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
