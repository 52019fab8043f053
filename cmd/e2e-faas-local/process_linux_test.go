// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package main

// Tests of the built command as a process of its own: signals, its open-file
// limit, and what its functions can see of it.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/runner/runnertest"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/ziptest"
)

var (
	buildOnce sync.Once
	binDir    string // holds the built command; removed by TestMain
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// serverBinary builds the command once per test run, in a directory every
// user may read, as one test runs it as another user.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "e2e-faas-local-bin-"); buildErr != nil { //nolint:usetesting // built once for every test of the process; a t.TempDir would go with the first test
			return
		}
		if buildErr = os.Chmod(binDir, 0o755); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "e2e-faas-local")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// serverProcess is the command, started by startServer.
type serverProcess struct {
	cmd      *exec.Cmd
	out      *runnertest.Output
	exited   chan struct{} // closed when it exited; then err is set
	err      error
	endpoint string // faas-v1
	key      string
	token    string
}

// startServer runs the command with args (and -env-file in dir), lets
// configure change the exec.Cmd (its environment is the test's with
// throwaway credentials), and waits for its export lines.
func startServer(t *testing.T, dir string, configure func(*exec.Cmd), args ...string) *serverProcess {
	t.Helper()
	envFile := filepath.Join(dir, "server.env")
	cmd := exec.Command(serverBinary(t), append([]string{"-addr", "127.0.0.1:0", "-dialect", "faas-v1", "-env-file", envFile, "-deploy-delay", "0", "-delete-delay", "0"}, args...)...)
	cmd.Env = append(os.Environ(), "E2E_LOCAL_API_KEY=test-key-"+strconv.Itoa(os.Getpid()), "E2E_LOCAL_AUTH_TOKEN=test-token-"+strconv.Itoa(os.Getpid()))
	s := &serverProcess{cmd: cmd, out: &runnertest.Output{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	cmd.WaitDelay = 5 * time.Second // should a process it leaves behind hold its output
	if configure != nil {
		configure(cmd)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.exited
		if t.Failed() {
			t.Logf("server (%v) output:\n%s", s.err, s.out)
		}
	})
	if !runnertest.Eventually(30*time.Second, func() bool {
		select {
		case <-s.exited:
			return true
		default:
		}
		data, err := os.ReadFile(envFile)
		if err != nil {
			return false
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "export E2E_API_ENDPOINT="); ok {
				s.endpoint = v
			}
			if v, ok := strings.CutPrefix(line, "export E2E_API_KEY="); ok {
				s.key = v
			}
			if v, ok := strings.CutPrefix(line, "export E2E_AUTH_TOKEN="); ok {
				s.token = v
			}
		}
		return s.endpoint != ""
	}) || s.endpoint == "" {
		t.Fatalf("the server did not start:\n%s", s.out)
	}
	return s
}

// exitedWithin waits for the server to exit.
func (s *serverProcess) exitedWithin(d time.Duration) bool {
	select {
	case <-s.exited:
		return true
	case <-time.After(d):
		return false
	}
}

func (s *serverProcess) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// api calls the server's faas-v1 API and decodes the answer.
func (s *serverProcess) api(t *testing.T, method, path string, body any) map[string]any {
	t.Helper()
	var in []byte
	if body != nil {
		in, _ = json.Marshal(body)
	}
	var out map[string]any
	call(t, method, s.endpoint+path+"?apikey="+s.key, s.token, string(in), &out)
	return out
}

// deployPython deploys a python3.11 function and returns its invoke_url
// once it runs.
func (s *serverProcess) deployPython(t *testing.T, name, handler string, env map[string]string) string {
	t.Helper()
	created := s.api(t, "POST", "functions", map[string]any{
		"name": name, "runtime": "python3.11", "environment": env,
		"code_archive": ziptest.Base64(map[string]string{"handler.py": handler}),
	})
	id, _ := created["id"].(string)
	var f map[string]any
	if !runnertest.Eventually(60*time.Second, func() bool { f = s.api(t, "GET", "functions/"+id, nil); return f["status"] != "Deploying" }) || f["status"] != "Running" {
		t.Fatalf("function %v", f)
	}
	url, _ := f["invoke_url"].(string)
	return url
}

func needsPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("skipped: python3 is not on PATH")
	}
}

// busyHandler writes its worker's PID and that of a process it detaches
// (a new session) to $PID_FILE, then stays busy.
const busyHandler = `import os, subprocess, time

def handle(event, context):
    subprocess.Popen(["sh", "-c", 'echo $$ >>"$PID_FILE"; exec sleep 300'], start_new_session=True)
    with open(os.environ["PID_FILE"], "a") as f:
        f.write("%d\n" % os.getpid())
    time.sleep(25)
    return "slept"
`

// busyServer starts the command, deploys busyHandler, starts a call and
// returns the PIDs of its worker and of the process the worker detached.
// The functions' files are in dir/work.
func busyServer(t *testing.T, dir string, args ...string) (*serverProcess, []int) {
	t.Helper()
	needsPython(t)
	s := startServer(t, dir, nil, append(args, "-work-dir", filepath.Join(dir, "work"))...)
	pidFile := filepath.Join(dir, "pids")
	url := s.deployPython(t, "busy", busyHandler, map[string]string{"PID_FILE": pidFile})
	go func() { // the call in flight; it fails when the server stops
		client := &http.Client{Timeout: time.Minute}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
		}
	}()
	var pids []int
	if !runnertest.Eventually(30*time.Second, func() bool {
		data, _ := os.ReadFile(pidFile)
		pids = pids[:0]
		for _, f := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
		return len(pids) == 2
	}) {
		t.Fatalf("the handler wrote the PIDs %v", pids)
	}
	t.Cleanup(func() {
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return s, pids
}

// running reports whether the process exists and has not exited (a zombie
// has, and waits for a parent to reap it).
func running(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(stat), ") Z ")
}

// noFunctionFiles fails the test when a function's files are left in the
// work directory.
func noFunctionFiles(t *testing.T, workDir string) {
	t.Helper()
	entries, _ := os.ReadDir(workDir)
	for _, e := range entries {
		if e.Name() != "templates" {
			t.Errorf("a function's files are left: %s", e.Name())
		}
	}
}

func noneRunning(t *testing.T, what string, pids []int) {
	t.Helper()
	if !runnertest.Eventually(10*time.Second, func() bool {
		for _, pid := range pids {
			if running(pid) {
				return false
			}
		}
		return true
	}) {
		t.Errorf("%s: processes %v still run", what, pids)
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// The first SIGTERM starts a graceful shutdown, which waits for the call in
// flight (up to the default -shutdown-timeout, 10s); a second ends
// everything at once.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	dir := t.TempDir()
	s, pids := busyServer(t, dir)
	s.signal(t, syscall.SIGTERM)
	if !runnertest.Eventually(10*time.Second, func() bool {
		c, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(s.endpoint, "/faas/api/v1/"), "http://"))
		if err == nil {
			c.Close()
		}
		return err != nil
	}) {
		t.Fatal("the server still accepts connections after SIGTERM")
	}
	if s.exitedWithin(0) {
		t.Fatalf("the server did not wait for the call in flight: %v", s.err)
	}
	s.signal(t, syscall.SIGTERM)
	if !s.exitedWithin(5 * time.Second) {
		t.Fatal("a second SIGTERM did not stop the server at once")
	}
	if code := exitCode(s.err); code <= 0 {
		t.Errorf("exit status %d (%v), want a failure", code, s.err)
	}
	noneRunning(t, "after a second SIGTERM", pids)
	noFunctionFiles(t, filepath.Join(dir, "work"))
}

// A SIGTERM with a call in flight and a process detached by a handler ends
// the server within -shutdown-timeout (here the default), killing both.
func TestSignalShutdownIsBounded(t *testing.T) {
	dir := t.TempDir()
	s, pids := busyServer(t, dir)
	start := time.Now()
	s.signal(t, syscall.SIGTERM)
	if !s.exitedWithin(30 * time.Second) {
		t.Fatal("the server did not stop within 30s of SIGTERM")
	}
	if code := exitCode(s.err); code <= 0 {
		t.Errorf("exit status %d (%v), want a failure: the call in flight was cut", code, s.err)
	}
	t.Logf("stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	noneRunning(t, "after SIGTERM", pids)
	noFunctionFiles(t, filepath.Join(dir, "work"))
}

// Clients that hold connections open, idle, silent or with a request whose
// body never comes, beyond the open-file limit, do not keep the API from
// answering.
func TestConnectionFloodLeavesTheAPIAnswering(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("skipped: no /bin/sh to lower the open-file limit with")
	}
	// 128 open files: the server caps connections at 64 on its own.
	s := startServer(t, t.TempDir(), func(cmd *exec.Cmd) {
		cmd.Args = append([]string{"/bin/sh", "-c", `ulimit -n 128 && exec "$0" "$@"`}, cmd.Args...)
		cmd.Path = "/bin/sh"
	}, "-run=false")
	addr := strings.TrimPrefix(strings.TrimSuffix(s.endpoint, "/faas/api/v1/"), "http://")
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	request := "GET /faas/api/v1/runtimes?apikey=" + s.key + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + s.token + "\r\n\r\n"
	partial := "POST /faas/api/v1/functions?apikey=" + s.key + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + s.token +
		"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
	for i := range 300 {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		if i >= 200 {
			continue // silent: connected, sending nothing
		}
		if i >= 100 { // a body begun and never finished
			_, _ = io.WriteString(c, partial)
			continue
		}
		// Idle: one request answered, then kept alive.
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, request); err != nil {
			continue
		}
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	req, _ := http.NewRequest("GET", s.endpoint+"runtimes?apikey="+s.key, nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("the API does not answer with 300 connections held open: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("runtimes: %d", resp.StatusCode)
	}
}

// A function, running as the server's user, cannot read the server's
// credentials: not in its own environment, nor in the server's through
// /proc. Run as root, the test starts the server as nobody, since root
// reads any process's environment.
func TestWorkersCannotReadTheServersCredentials(t *testing.T) {
	needsPython(t)
	dir := t.TempDir()
	var configure func(*exec.Cmd)
	args := []string{}
	if os.Geteuid() == 0 {
		const nobody = 65534
		python, err := exec.LookPath("/usr/bin/python3")
		if err != nil {
			t.Skip("skipped: as root, the test needs /usr/bin/python3, which nobody can run")
		}
		// t.TempDir's parent is private to root: a directory of nobody's own.
		if dir, err = os.MkdirTemp("", "e2e-faas-local-nobody-"); err != nil { //nolint:usetesting // t.TempDir is under a directory only root may enter; the user nobody needs this one
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(dir) })
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-python", python)
		configure = func(cmd *exec.Cmd) {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
			cmd.Env = append(cmd.Env, "HOME="+dir, "TMPDIR="+dir, "PATH=/usr/local/bin:/usr/bin:/bin")
		}
	}
	s := startServer(t, dir, configure, append(args, "-work-dir", filepath.Join(dir, "work"))...)
	url := s.deployPython(t, "peek", `import json, os

def handle(event, context):
    try:
        with open("/proc/%d/environ" % os.getppid(), "rb") as f:
            parent = f.read().decode("utf-8", "replace")
    except OSError as e:
        parent = "unreadable: " + type(e).__name__
    return {"parent": parent, "own": dict(os.environ)}
`, nil)
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var seen struct {
		Parent string            `json:"parent"`
		Own    map[string]string `json:"own"`
	}
	if err := json.Unmarshal(body, &seen); err != nil {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if strings.Contains(seen.Parent, s.key) || strings.Contains(seen.Parent, s.token) {
		t.Errorf("the handler read the server's credentials from /proc/<server>/environ")
	}
	if !strings.HasPrefix(seen.Parent, "unreadable") {
		t.Errorf("the handler read the server's environment: %.200q", seen.Parent)
	}
	for k, v := range seen.Own {
		if strings.Contains(v, s.key) || strings.Contains(v, s.token) {
			t.Errorf("the handler's environment holds a credential, in %s", k)
		}
	}
}
