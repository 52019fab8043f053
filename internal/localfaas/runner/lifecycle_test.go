// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package runner

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner/runnertest"
)

// pythonDetaching starts, on a call to /spawn, four sleepers that leave the
// worker's process group: one in a new session (start_new_session=True), one
// through setsid(1), a double-forked daemon whose parent exits, and one in a
// new session with an environment of its own (so without the runner's tag).
// Each writes its PID to $PID_FILE; all keep the worker's stdout and
// stderr, as a careless daemon does.
const pythonDetaching = `import os, subprocess, time

SLEEPER = ["sh", "-c", 'echo $$ >>"$PID_FILE"; exec sleep 300']

def handle(event, context):
    if event.path == "/pid":
        return str(os.getpid())
    if event.path == "/spawn":
        subprocess.Popen(SLEEPER, start_new_session=True)
        subprocess.Popen(["setsid"] + SLEEPER)
        subprocess.Popen(SLEEPER, start_new_session=True, env={"PID_FILE": os.environ["PID_FILE"], "PATH": os.environ["PATH"]})
        child = os.fork()
        if child == 0:
            os.setsid()
            if os.fork() == 0:
                with open(os.environ["PID_FILE"], "a") as f:
                    f.write("%d\n" % os.getpid())
                time.sleep(300)
            os._exit(0)
        os.waitpid(child, 0)
        return "spawned"
    return "hello"
`

// detachedSleepers deploys pythonDetaching, has it spawn its sleepers, and
// returns the deployment and the sleepers' PIDs.
func detachedSleepers(t *testing.T, r *Runner) (Deployment, []int) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("skipped: detached processes are tracked on Linux only")
	}
	needs(t, r, "python3.11")
	pidFile := filepath.Join(t.TempDir(), "pids")
	s := spec("python3.11", "handler.py", pythonDetaching, newLogBook())
	s.Env = map[string]string{"PID_FILE": pidFile}
	d, err := r.Start(context.Background(), s)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	call(d, "GET", "/spawn", "").want(t, 200, "spawned")
	var pids []int
	if !runnertest.Eventually(10*time.Second, func() bool {
		data, _ := os.ReadFile(pidFile)
		pids = pids[:0]
		for _, f := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
		return len(pids) == 4
	}) {
		t.Fatalf("the sleepers wrote %v", pids)
	}
	for _, pid := range pids {
		if !alive(pid) {
			t.Fatalf("sleeper %d is not running", pid)
		}
	}
	t.Cleanup(func() { // after a failure, leave nothing behind
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return d, pids
}

// alive reports whether the process exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(stat), ") Z ")
}

// gone reports whether the PID is free: the process exited and was reaped.
func gone(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return os.IsNotExist(err)
}

func allGone(pids ...int) func() bool {
	return func() bool {
		for _, pid := range pids {
			if !gone(pid) {
				return false
			}
		}
		return true
	}
}

// returnsWithin runs f and fails the test if it has not returned in time.
func returnsWithin(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %s", what, d)
	}
}

// Processes a handler detaches end with its deployment, are reaped, and its
// files are removed.
func TestDetachedProcessesEndWithTheirDeployment(t *testing.T) {
	r := newRunner(t)
	d, pids := detachedSleepers(t, r)
	returnsWithin(t, 20*time.Second, "Stop", d.Stop)
	if !runnertest.Eventually(10*time.Second, allGone(pids...)) {
		t.Fatalf("sleepers %v outlive their deployment", pids)
	}
	entries, err := os.ReadDir(r.WorkDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "templates" {
			t.Errorf("the deployment's files are left: %s", e.Name())
		}
	}
}

// Close returns in time with detached processes about, and ends them.
func TestCloseEndsDetachedProcesses(t *testing.T) {
	r := newRunner(t, func(o *Options) { o.StopTimeout = 5 * time.Second })
	_, pids := detachedSleepers(t, r)
	returnsWithin(t, 15*time.Second, "Close", func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	if !runnertest.Eventually(10*time.Second, allGone(pids...)) {
		t.Fatalf("sleepers %v outlive Close", pids)
	}
}

// Kill ends detached processes at once.
func TestKillEndsDetachedProcesses(t *testing.T) {
	r := newRunner(t)
	_, pids := detachedSleepers(t, r)
	returnsWithin(t, 5*time.Second, "Kill", r.Kill)
	if !runnertest.Eventually(10*time.Second, func() bool {
		for _, pid := range pids {
			if alive(pid) {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("sleepers %v outlive Kill", pids)
	}
}

// A worker still busy when its call times out is killed, with what it
// started, and replaced.
func TestTimeoutReplacesTheWorker(t *testing.T) {
	r, s, log := pythonRunner(t)
	// One timeout bounds every call, the healthy ones too (a /pid that may
	// wait for a worker to start): generous for them on a busy machine, and
	// still well under /sleep's 30 s, the one call that must time out.
	s.Timeout = 15 * time.Second
	d := start(t, r, s)
	first := call(d, "GET", "/pid", "")
	first.want(t, 200, "")
	pid, err := strconv.Atoi(first.body)
	if err != nil {
		t.Fatalf("pid %q", first.body)
	}
	call(d, "GET", "/sleep", "").want(t, 504, "did not answer within 15s")
	if runtime.GOOS == "linux" && !runnertest.Eventually(10*time.Second, func() bool { return gone(pid) }) {
		t.Fatalf("worker %d still runs after its call timed out", pid)
	}
	log.waitFor(t, "GET /sleep: timed out after 15s (timeout_seconds); the caller got 504; its worker 1 (pid "+first.body+") is killed and replaced")
	next := call(d, "GET", "/pid", "")
	next.want(t, 200, "")
	if next.body == first.body {
		t.Errorf("the next call was served by the same worker, pid %s", next.body)
	}
	log.waitFor(t, "worker 1 (pid "+first.body+") was killed (a call to it timed out); starting another")
}

// The MyAccount API's runtime slugs run too.
func TestMyAccountRuntimes(t *testing.T) {
	r := newRunner(t)
	needs(t, r, "python3.11")
	if err := r.Runs("python3-http-debian", "http"); err != nil {
		t.Fatalf("python3-http-debian: %v", err)
	}
	s := spec("python3-http-debian", "handler.py", pythonHTTP, newLogBook())
	s.Env = map[string]string{"GREETING": "debian"}
	call(start(t, r, s), "GET", "/", "").want(t, 200, "hello debian")
	if err := r.Runs("node18", "http"); err != nil && r.node.missing == "" {
		t.Errorf("node18: %v", err)
	}
}

// pythonOrphans leaves, on /exits, an orphan that exits at once, and on
// /hides, one that also clears its environment: neither has a parent left
// nor the runner's tag. Each writes its PID to $PID_FILE.
const pythonOrphans = `import os

def handle(event, context):
    child = os.fork()
    if child == 0:
        os.setsid()
        if os.fork() == 0:
            if event.path == "/exits":
                with open(os.environ["PID_FILE"], "a") as f:
                    f.write("%d\n" % os.getpid())
                os._exit(0)
            os.execve("/bin/sh", ["sh", "-c", 'echo $$ >>"$PID_FILE"; exec sleep 300'], {"PID_FILE": os.environ["PID_FILE"], "PATH": os.environ["PATH"]})
        os._exit(0)
    os.waitpid(child, 0)
    return "done"
`

// With OwnsChildren, as in e2e-faas-local, an orphan that exits on its own
// is reaped, and one the runner cannot tell the function of ends when the
// runner closes.
func TestOwnsChildrenReapsAndEndsOrphans(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("skipped: orphans are adopted on Linux only")
	}
	r := newRunner(t, func(o *Options) { o.OwnsChildren = true })
	needs(t, r, "python3.11")
	pidFile := filepath.Join(t.TempDir(), "pids")
	s := spec("python3.11", "handler.py", pythonOrphans, newLogBook())
	s.Env = map[string]string{"PID_FILE": pidFile}
	d := start(t, r, s)
	readPID := func(n int) int {
		var pids []string
		if !runnertest.Eventually(10*time.Second, func() bool {
			data, _ := os.ReadFile(pidFile)
			pids = strings.Fields(string(data))
			return len(pids) >= n
		}) {
			t.Fatalf("PIDs %q", pids)
		}
		pid, _ := strconv.Atoi(pids[n-1])
		return pid
	}
	call(d, "GET", "/exits", "").want(t, 200, "done")
	exited := readPID(1)
	if !runnertest.Eventually(10*time.Second, func() bool { return gone(exited) }) {
		t.Errorf("orphan %d was not reaped", exited)
	}
	call(d, "GET", "/hides", "").want(t, 200, "done")
	hidden := readPID(2)
	t.Cleanup(func() { _ = syscall.Kill(hidden, syscall.SIGKILL) })
	returnsWithin(t, 5*time.Second, "Stop", d.Stop) // though the orphan holds its output pipes
	returnsWithin(t, 15*time.Second, "Close", func() { _ = r.Close() })
	if !runnertest.Eventually(10*time.Second, func() bool { return gone(hidden) }) {
		t.Errorf("orphan %d outlives the runner", hidden)
	}
}
