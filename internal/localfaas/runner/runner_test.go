// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package runner

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner/runnertest"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/ziptest"
)

// newRunner returns a runner over a test directory; at the end of the test
// it closes it and checks that no process it started is left.
func newRunner(t testing.TB, configure ...func(*Options)) *Runner {
	t.Helper()
	opts := Options{WorkDir: t.TempDir(), StartTimeout: 20 * time.Second}
	for _, f := range configure {
		f(&opts)
	}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
		runnertest.NoneLeft(t, opts.WorkDir)
	})
	return r
}

// needs skips the test when the runtime's toolchain is missing.
func needs(t testing.TB, r *Runner, runtime string) {
	t.Helper()
	if err := r.Runs(runtime, "http"); err != nil {
		t.Skipf("skipped: %v", err)
	}
}

// logBook collects a deployment's log.
type logBook struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
}

func newLogBook() *logBook { return &logBook{changed: make(chan struct{})} }

func (l *logBook) add(stream, message string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, stream+": "+message)
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *logBook) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// waitFor waits until a line contains want.
func (l *logBook) waitFor(t testing.TB, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		l.mu.Lock()
		found := strings.Contains(strings.Join(l.lines, "\n"), want)
		changed := l.changed
		l.mu.Unlock()
		if found {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no log line with %q in:\n%s", want, l)
		}
	}
}

func spec(runtime, handlerFile, code string, log *logBook) Spec {
	return Spec{
		Name: "fn", Namespace: "e2e-faas-test-dl", Version: "v1",
		Runtime: runtime, Template: "http", Handler: "handle",
		Timeout: 10 * time.Second, MemoryMB: 256, Replicas: 1,
		Env: map[string]string{}, Log: log.add,
	}.withCode(handlerFile, code)
}

func (s Spec) withCode(file, code string) Spec {
	s.Archive = ziptest.Build(map[string]string{file: code})
	return s
}

func start(t testing.TB, r *Runner, s Spec) Deployment {
	t.Helper()
	d, err := r.Start(context.Background(), s)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(d.Stop)
	return d
}

type answer struct {
	status int
	header http.Header
	body   string
}

func call(d Deployment, method, target, body string, header ...string) answer {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	d.ServeHTTP(rec, req)
	return answer{rec.Code, rec.Header(), rec.Body.String()}
}

func (a answer) want(t testing.TB, status int, body string) {
	t.Helper()
	if a.status != status || !strings.Contains(a.body, body) {
		t.Fatalf("got %d %q, want %d with %q", a.status, a.body, status, body)
	}
}

const pythonHTTP = `import os, json

def handle(event, context):
    print("called", event.method, event.path, flush=True)
    if event.path == "/crash":
        os._exit(3)
    if event.path == "/sleep":
        import time
        time.sleep(30)
    if event.path == "/pid":
        return str(os.getpid())
    if event.path == "/raise":
        raise ValueError("bad input")
    if event.path == "/json":
        return {"statusCode": 201, "body": {"q": event.query, "body": event.body.decode()}, "headers": {"X-Fn": context.function_name}}
    return {"statusCode": 200, "body": "hello " + os.environ.get("GREETING", "?") + " " + os.environ.get("db-password", "?")}
`

// pythonRunner is a runner that runs python3.11 (the test is skipped
// otherwise) and a spec of pythonHTTP that writes to log.
func pythonRunner(t *testing.T) (*Runner, Spec, *logBook) {
	t.Helper()
	r := newRunner(t)
	needs(t, r, "python3.11")
	log := newLogBook()
	return r, spec("python3.11", "handler.py", pythonHTTP, log), log
}

func TestPythonHTTP(t *testing.T) {
	r, s, log := pythonRunner(t)
	s.Env = map[string]string{"GREETING": "world", "db-password": "s3cret"}
	s.Replicas = 2
	d := start(t, r, s)

	call(d, "GET", "/", "").want(t, 200, "hello world s3cret")
	a := call(d, "POST", "/json?x=1", `{"a":1}`)
	a.want(t, 201, `"q": {"x": "1"}`)
	if !strings.Contains(a.body, `"body": "{\"a\":1}"`) || a.header.Get("X-Fn") != "fn" || a.header.Get("Content-Type") != "application/json" {
		t.Errorf("json answer %+v", a)
	}
	call(d, "GET", "/raise", "").want(t, 500, "ValueError: bad input")
	log.waitFor(t, "stdout: called POST /json")
	log.waitFor(t, "stderr: ValueError: bad input")

	// Two replicas answer in turn.
	first, second := call(d, "GET", "/pid", ""), call(d, "GET", "/pid", "")
	if first.status != 200 || second.status != 200 || first.body == second.body {
		t.Errorf("round robin over two workers: %+v %+v", first, second)
	}
	if n := len(runnertest.Processes(t, r.WorkDir())); runtime.GOOS == "linux" && n != 2 {
		t.Errorf("%d processes, want 2 workers", n)
	}
	d.Stop()
	call(d, "GET", "/", "").want(t, 503, "stopped")
	if left := runnertest.Processes(t, r.WorkDir()); len(left) > 0 {
		t.Errorf("processes outlive Stop: %v", left)
	}
}

func TestPythonTimeoutCrashAndRestart(t *testing.T) {
	r, s, log := pythonRunner(t)
	s.Timeout = 300 * time.Millisecond
	call(start(t, r, s), "GET", "/sleep", "").want(t, 504, "did not answer within 300ms")
	log.waitFor(t, "GET /sleep: timed out after 300ms (timeout_seconds); the caller got 504")

	s.Timeout = 20 * time.Second // a restart may take a while on a busy machine
	d := start(t, r, s)
	call(d, "GET", "/crash", "").want(t, 502, "did not answer")
	log.waitFor(t, "exited (exit status 3); restarting it")
	// The next call waits for the restarted worker.
	call(d, "GET", "/", "").want(t, 200, "hello")
	log.waitFor(t, "worker 1 restarted")
}

func TestPythonStartFailures(t *testing.T) {
	r := newRunner(t, func(o *Options) { o.PipFlags = []string{"--no-index"} })
	needs(t, r, "python3.11")
	for name, tc := range map[string]struct {
		s    func(Spec) Spec
		want string
	}{
		"syntax error": {func(s Spec) Spec { return s.withCode("handler.py", "def handle(:\n") }, "SyntaxError"},
		"no handler":   {func(s Spec) Spec { s.Handler = "main"; return s }, "handler.py defines no function 'main' (handler_function)"},
		"exits": {func(s Spec) Spec {
			return s.withCode("handler.py", "import os, sys\nprint('bye', file=sys.stderr)\nos._exit(4)\n")
		}, "exited before it was ready (exit status 4):\nbye"},
		"requirements": {func(s Spec) Spec { s.Requirements = "no-such-package-e2e-local==1.0\n"; return s }, "No matching distribution found for no-such-package-e2e-local"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := r.Start(context.Background(), tc.s(spec("python3.11", "handler.py", pythonHTTP, newLogBook())))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// pythonCan reports whether the runner's interpreter imports the modules.
func pythonCan(r *Runner, modules ...string) bool {
	return exec.Command(r.python.path, "-c", "import "+strings.Join(modules, ", ")).Run() == nil
}

func TestPythonFlaskAndFastAPI(t *testing.T) {
	r := newRunner(t)
	needs(t, r, "python3.11")
	for _, tc := range []struct {
		template, code string
		modules        []string
	}{
		{"flask", "def handle(req):\n    return {'got': req}, 202\n", []string{"flask"}},
		{"fastapi", "async def handle(request):\n    return {'got': (await request.body()).decode()}\n", []string{"fastapi", "uvicorn"}},
	} {
		t.Run(tc.template, func(t *testing.T) {
			s := spec("python3.11", "handler.py", tc.code, newLogBook())
			s.Template = tc.template
			if !pythonCan(r, tc.modules...) {
				_, err := r.Start(context.Background(), s)
				if err == nil || !strings.Contains(err.Error(), "template "+tc.template+" needs the Python module") ||
					!strings.Contains(err.Error(), "apt-get install python3-") {
					t.Fatalf("without %v: %v", tc.modules, err)
				}
				return
			}
			a := call(start(t, r, s), "POST", "/x", "ping")
			if a.status != 200 && a.status != 202 || !strings.Contains(a.body, `"got"`) || !strings.Contains(a.body, "ping") {
				t.Fatalf("answer %+v", a)
			}
		})
	}
}

func TestPythonMemoryLimit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("skipped: memory_mb is applied on Linux only")
	}
	r := newRunner(t)
	needs(t, r, "python3.11")
	s := spec("python3.11", "handler.py", `
def handle(event, context):
    try:
        data = bytearray(512 << 20)
        return "allocated %d" % len(data)
    except MemoryError:
        return "MemoryError"
`, newLogBook())
	s.MemoryMB = 128
	call(start(t, r, s), "GET", "/", "").want(t, 200, "MemoryError")
}

func TestNodeHTTP(t *testing.T) {
	r := newRunner(t)
	needs(t, r, "node20")
	log := newLogBook()
	s := spec("node20", "handler.js", `
module.exports = async (event, context) => {
  console.log('called', event.method, event.path);
  if (event.path === '/context') return context.status(203).headers({'X-A': 'b'}).succeed({n: event.body.n});
  if (event.path === '/crash') process.exit(5);
  if (event.path === '/throw') throw new Error('broken');
  return {statusCode: 200, body: 'hello ' + process.env.GREETING + ' ' + event.query.who};
};
`, log)
	s.Env = map[string]string{"GREETING": "node"}
	d := start(t, r, s)
	call(d, "GET", "/?who=me", "").want(t, 200, "hello node me")
	a := call(d, "POST", "/context", `{"n":7}`, "Content-Type", "application/json")
	a.want(t, 203, `{"n":7}`)
	if a.header.Get("X-A") != "b" {
		t.Errorf("headers %v", a.header)
	}
	call(d, "GET", "/throw", "").want(t, 500, "broken")
	log.waitFor(t, "stdout: called GET /")
	call(d, "GET", "/crash", "").want(t, 502, "did not answer")
	call(d, "GET", "/?who=again", "").want(t, 200, "hello node again")
}

func TestNodeRequirements(t *testing.T) {
	r := newRunner(t)
	needsNPM(t, r)
	s := spec("node20", "handler.js", greetingHandler, newLogBook())
	s.Requirements = "file:" + localPackage(t)
	call(start(t, r, s), "GET", "/", "").want(t, 200, "greetings, npm")
}

func TestGoHTTP(t *testing.T) {
	r := newRunner(t)
	needs(t, r, "go1.21")
	log := newLogBook()
	s := spec("go1.21", "handler.go", `package function

import (
	"fmt"
	"net/http"
	"os"
)

func Serve(w http.ResponseWriter, r *http.Request) {
	fmt.Println("called", r.Method, r.URL.Path)
	switch r.URL.Path {
	case "/panic":
		panic("boom")
	case "/crash":
		os.Exit(6)
	}
	w.Header().Set("X-Limit", os.Getenv("GOMEMLIMIT"))
	fmt.Fprintf(w, "hello %s from go", os.Getenv("GREETING"))
}
`, log)
	s.Handler = "serve"
	s.Env = map[string]string{"GREETING": "gopher"}
	d := start(t, r, s)
	a := call(d, "GET", "/", "")
	a.want(t, 200, "hello gopher from go")
	if a.header.Get("X-Limit") != "256MiB" {
		t.Errorf("GOMEMLIMIT %q", a.header.Get("X-Limit"))
	}
	call(d, "GET", "/panic", "").want(t, 500, "boom")
	log.waitFor(t, "stdout: called GET /")
	call(d, "GET", "/crash", "").want(t, 502, "did not answer")
	call(d, "GET", "/", "").want(t, 200, "hello gopher")

	// A compile error fails the start with the compiler's message.
	_, err := r.Start(context.Background(), s.withCode("handler.go", "package function\n\nfunc Serve() { undefined() }\n"))
	if err == nil || !strings.Contains(err.Error(), "go build failed") || !strings.Contains(err.Error(), "undefined") {
		t.Fatalf("compile error: %v", err)
	}
}

func TestNotExecutableRuntimes(t *testing.T) {
	r := newRunner(t, func(o *Options) { o.Node = filepath.Join(t.TempDir(), "no-node") })
	for _, rt := range []string{"csharp7.0", "php8.2", "pytorch2.1.2", "tensorflow2.19.0", "custom", "node18"} {
		err := r.Runs(rt, "http")
		var ne *NotExecutableError
		if !errors.As(err, &ne) || !strings.Contains(err.Error(), "not executable locally") {
			t.Errorf("%s: %v", rt, err)
		}
	}
	if err := r.Runs("node18", "http"); !strings.Contains(err.Error(), "-node") {
		t.Errorf("a missing toolchain names the flag: %v", err)
	}
	if _, err := r.Start(context.Background(), spec("php8.2", "handler.php", "<?php", newLogBook())); err == nil {
		t.Error("php started")
	}
}

// Cancelling a start ends what it started, even a worker that never
// becomes ready.
func TestStartCancelled(t *testing.T) {
	r := newRunner(t)
	needs(t, r, "python3.11")
	ctx, cancel := context.WithCancel(context.Background())
	log := newLogBook()
	done := make(chan error, 1)
	go func() {
		_, err := r.Start(ctx, spec("python3.11", "handler.py", "print('loading', flush=True)\nimport time\ntime.sleep(60)\n", log))
		done <- err
	}()
	log.waitFor(t, "stdout: loading")
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled start did not return")
	}
}

func TestCloseStopsDeployments(t *testing.T) {
	r := newRunner(t)
	needs(t, r, "python3.11")
	d, err := r.Start(context.Background(), spec("python3.11", "handler.py", pythonHTTP, newLogBook()))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	call(d, "GET", "/", "").want(t, 503, "stopped")
	if _, err := r.Start(context.Background(), spec("python3.11", "handler.py", pythonHTTP, newLogBook())); !errors.Is(err, ErrClosed) {
		t.Errorf("start after close: %v", err)
	}
}
