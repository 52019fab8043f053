// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package runner

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

//go:embed templates
var templates embed.FS

// Options configure a Runner. Empty toolchain fields are looked up on PATH.
type Options struct {
	// Python is the interpreter of the runtimes whose catalogue Language
	// is "python" ("python3").
	Python string
	// Node is the interpreter of the "node" runtimes ("node"), and NPM
	// installs their requirements ("npm").
	Node, NPM string
	// Go builds the "go" runtimes' functions ("go").
	Go string
	// PipFlags are added to every "pip install", e.g. "--no-index" or
	// "--index-url", "http://mirror/simple".
	PipFlags []string
	// WorkDir holds the functions' files; a new temporary directory, removed
	// by Close, when empty.
	WorkDir string
	// StartTimeout bounds how long a worker may take to answer once started
	// (default 30s); InstallTimeout bounds installing requirements and
	// compiling (default 10m).
	StartTimeout, InstallTimeout time.Duration
	// StopTimeout bounds how long Deployment.Stop and Close take to end the
	// processes (default 10s): past it they close the processes' pipes and
	// return (a second later at most) even if a process could not be ended.
	StopTimeout time.Duration
	// OwnsChildren says that the runner starts every child process of this
	// program, as in e2e-faas-local. On Linux the runner may then take any
	// child it did not start for an orphan of a function, re-parented to
	// this process: it reaps it when it exits, and Close and Kill kill it
	// with everything below it. Leave it false in a program that starts
	// other processes (tests, for one).
	OwnsChildren bool
}

// Spec is one version of a function to run.
type Spec struct {
	// Name, Namespace and Version name the function to its handler (as
	// E2E_FUNCTION_NAME, E2E_FUNCTION_NAMESPACE, E2E_FUNCTION_VERSION) and in
	// messages.
	Name, Namespace, Version string
	Runtime, Template        string
	// Handler is the handler_function.
	Handler string
	// Archive is the code: a ZIP with the runtime's handler file at its root.
	Archive []byte
	// Requirements is the requirements field; when empty, a requirements.txt
	// (Python) or package.json (Node) in the archive is used.
	Requirements string
	// Env is what the handler sees besides a minimal base (PATH, HOME, TMPDIR,
	// LANG): the function's environment and its secrets.
	Env map[string]string
	// Timeout bounds each invocation; MemoryMB limits each worker where the
	// runtime allows (see LOCAL_RUNTIMES.md); Replicas is the number of worker
	// processes.
	Timeout  time.Duration
	MemoryMB int
	Replicas int
	// Log receives each line the workers print, and the runner's own notes
	// about them (started, exited, timed out); stream is "stdout" or
	// "stderr". It must not block for long, and must be safe for concurrent
	// use. Nil discards.
	Log func(stream, message string)
}

// Deployment is a started version: it answers invocations until stopped.
type Deployment interface {
	// ServeHTTP sends the request to a worker, round robin, and copies its
	// answer back: 504 when Spec.Timeout passes, 502 when the worker fails
	// to answer (it is then restarted).
	http.Handler
	// Stop ends every process of the deployment, whatever it started
	// however detached, and removes its files; it returns when they are
	// gone, or after Options.StopTimeout. Requests still in flight fail.
	Stop()
}

// NotExecutableError says why a runtime does not run on this machine.
type NotExecutableError struct{ Reason string }

func (e *NotExecutableError) Error() string { return e.Reason }

// ErrClosed is returned by Start after Close.
var ErrClosed = errors.New("runner: closed")

// Runner starts functions as local processes. It is safe for concurrent use.
type Runner struct {
	opts        Options
	ownsWorkDir bool
	python      toolchain
	node, npm   toolchain
	golang      toolchain

	tracker *tracker // the processes of the functions, and theirs

	mu      sync.Mutex
	closed  bool
	running map[*instance]struct{}
}

// toolchain is a resolved program, or why it is missing.
type toolchain struct {
	path    string
	missing string
}

// New finds the toolchains and prepares the work directory. A missing
// toolchain is not an error: its runtimes do not run (see Runs).
func New(opts Options) (*Runner, error) {
	if err := platformSupported(); err != nil {
		return nil, err
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 30 * time.Second
	}
	if opts.InstallTimeout <= 0 {
		opts.InstallTimeout = 10 * time.Minute
	}
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = 10 * time.Second
	}
	r := &Runner{opts: opts, running: map[*instance]struct{}{}}
	if r.opts.WorkDir == "" {
		dir, err := os.MkdirTemp("", "e2e-faas-local-")
		if err != nil {
			return nil, err
		}
		r.opts.WorkDir, r.ownsWorkDir = dir, true
	} else if err := os.MkdirAll(r.opts.WorkDir, 0o700); err != nil {
		return nil, err
	}
	r.python = findPython(opts.Python)
	r.node = find(opts.Node, "node", "-node")
	r.npm = find(opts.NPM, "npm", "-npm")
	r.golang = find(opts.Go, "go", "-go")
	if err := r.writeTemplates(); err != nil {
		r.Close()
		return nil, err
	}
	// Only now, as findPython's child is waited for: with OwnsChildren the
	// tracker reaps children it does not know.
	r.tracker = newTracker(opts.OwnsChildren)
	return r, nil
}

func find(flagValue, name, flagName string) toolchain {
	if flagValue == "" {
		flagValue = name
	}
	path, err := exec.LookPath(flagValue)
	if err != nil {
		return toolchain{missing: fmt.Sprintf("%s was not found (%v): install it, or start e2e-faas-local with %s naming it", flagValue, err, flagName)}
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return toolchain{path: path}
}

// findPython resolves the interpreter itself, so that version-manager shims
// (pyenv's, say) are not started again with every worker.
func findPython(flagValue string) toolchain {
	tc := find(flagValue, "python3", "-python")
	if tc.missing != "" {
		return tc
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, tc.path, "-c", "import sys; print(sys.executable)").Output()
	if exe := strings.TrimSpace(string(out)); err == nil && filepath.IsAbs(exe) {
		tc.path = exe
	} else if err != nil {
		return toolchain{missing: fmt.Sprintf("%s does not run (%v): start e2e-faas-local with -python naming a working Python 3 interpreter", tc.path, err)}
	}
	return tc
}

// templateDir holds the worker programs, shared by every function.
func (r *Runner) templateDir() string { return filepath.Join(r.opts.WorkDir, "templates") }

func (r *Runner) writeTemplates() error {
	if err := os.MkdirAll(r.templateDir(), 0o700); err != nil {
		return err
	}
	for _, name := range []string{"worker.py", "worker.js"} {
		data, err := templates.ReadFile("templates/" + name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(r.templateDir(), name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// WorkDir is where the functions' files are.
func (r *Runner) WorkDir() string { return r.opts.WorkDir }

// runtimeKinds maps the runtimes that can run locally to their language,
// and notLocal says why the others never run here. Both come from the
// runtime catalogue: the faas-v1 runtimes, and those of the MyAccount API
// (which run with the http template). A
// name the two dialects share has the same facts in both (a catalogue test
// holds them to it).
var runtimeKinds, notLocal = localFacts(catalogue.FaaSV1, catalogue.MyAccount)

func localFacts(dialects ...catalogue.Catalogue) (kinds, why map[string]string) {
	kinds, why = map[string]string{}, map[string]string{}
	for _, c := range dialects {
		for _, rt := range c {
			if rt.Language != "" {
				kinds[rt.Name] = rt.Language
			} else {
				why[rt.Name] = rt.NotLocal
			}
		}
	}
	return kinds, why
}

// Runs returns nil when functions of the runtime and template run on this
// machine, else a *NotExecutableError saying why.
func (r *Runner) Runs(runtime, template string) error {
	tc, err := r.toolchainFor(runtime)
	if err != nil {
		return err
	}
	if tc.missing != "" {
		return &NotExecutableError{Reason: fmt.Sprintf("runtime %s is not executable locally: %s", runtime, tc.missing)}
	}
	return nil
}

func (r *Runner) toolchainFor(runtime string) (toolchain, error) {
	switch runtimeKinds[runtime] {
	case "python":
		return r.python, nil
	case "node":
		return r.node, nil
	case "go":
		return r.golang, nil
	}
	why := notLocal[runtime]
	if why == "" {
		why = "the local server does not know it"
	}
	return toolchain{}, &NotExecutableError{Reason: fmt.Sprintf("runtime %s is not executable locally: %s; deploy it to E2E to run it", runtime, why)}
}

// Start prepares the version (unpacks the code, installs its requirements,
// compiles it) and starts Spec.Replicas workers. It returns once every worker
// answers, or with what went wrong: the package tool's or compiler's output,
// or the worker's error output. Cancelling ctx abandons the start and ends
// its processes.
func (r *Runner) Start(ctx context.Context, spec Spec) (Deployment, error) {
	if err := r.Runs(spec.Runtime, spec.Template); err != nil {
		return nil, err
	}
	if spec.Replicas < 1 {
		spec.Replicas = 1
	}
	if spec.Timeout <= 0 {
		spec.Timeout = 30 * time.Second
	}
	if spec.Log == nil {
		spec.Log = func(string, string) {}
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	r.mu.Unlock()

	dir, err := os.MkdirTemp(r.opts.WorkDir, safeName(spec.Name)+"-"+safeName(spec.Version)+"-")
	if err != nil {
		return nil, err
	}
	inst := newInstance(r, spec, dir)
	if !r.track(inst) {
		inst.Stop()
		return nil, ErrClosed
	}
	if err := inst.start(ctx); err != nil {
		inst.Stop()
		return nil, err
	}
	return inst, nil
}

// track records a running instance, unless the runner is closed.
func (r *Runner) track(inst *instance) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.running[inst] = struct{}{}
	return true
}

func (r *Runner) untrack(inst *instance) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.running, inst)
}

// Close stops every deployment still running, refuses new ones and, when
// the runner made its work directory, removes it. It returns within
// Options.StopTimeout and a second.
func (r *Runner) Close() error {
	deadline := time.Now().Add(r.opts.StopTimeout)
	insts := r.closeAndList()
	var wg sync.WaitGroup
	for _, inst := range insts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst.Stop()
		}()
	}
	wg.Wait()
	if r.tracker != nil {
		r.tracker.close(deadline)
	}
	if r.ownsWorkDir {
		return os.RemoveAll(r.opts.WorkDir)
	}
	return nil
}

// Kill ends every process of every deployment at once (SIGKILL), without
// waiting for them to exit, and removes their files as it can: for a
// program about to exit that cannot wait for Close. The runner is closed.
func (r *Runner) Kill() {
	insts := r.closeAndList()
	if r.tracker != nil {
		r.tracker.killNow() // first, while every process has its parent
	}
	for _, inst := range insts {
		inst.killAll()
	}
	for _, inst := range insts {
		_ = os.RemoveAll(inst.dir)
	}
	if r.ownsWorkDir {
		_ = os.RemoveAll(r.opts.WorkDir)
	}
}

// closeAndList refuses new deployments and lists the running ones.
func (r *Runner) closeAndList() []*instance {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	insts := make([]*instance, 0, len(r.running))
	for inst := range r.running {
		insts = append(insts, inst)
	}
	return insts
}

// safeName keeps a name fit for a directory.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, s)
}
