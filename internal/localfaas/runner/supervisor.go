// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package runner

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Process supervision: an instance starts a version's workers, restarts
// each whenever its process ends, and stops them all, with whatever they
// started. pick, discard and retire keep the rotation of ready workers that
// the proxy (proxy.go) sends calls to.

const (
	// waitDelay is how long a killed tool's output may take to drain.
	waitDelay = 5 * time.Second
	// Restarts of a crashing worker back off up to maxBackoff; a worker that
	// lived stableAfter is restarted at once.
	maxBackoff  = 5 * time.Second
	stableAfter = 10 * time.Second
	// pipeGrace is how long Stop waits for the output of the processes it
	// ended to drain: past it, what holds their pipes is a process that
	// escaped, and Stop closes them.
	pipeGrace = time.Second
)

var errStopped = errors.New("this version of the function was stopped")

// instance is one started version: its files, workers and supervisors.
type instance struct {
	r         *Runner
	id        string // names the deployment in its processes' tags
	spec      Spec
	dir       string
	env       []string
	argv      []string
	cwd       string
	ctx       context.Context // ended by Stop
	cancel    context.CancelFunc
	transport *http.Transport

	mu       sync.Mutex
	workers  []*worker
	next     int           // round robin
	changed  chan struct{} // closed when a worker comes or goes
	stopping bool
	// pipes are the read ends of the workers' output and ready pipes, open
	// until drained. A process that escaped Stop's sweep may hold their
	// write ends: Stop closes them rather than wait for ever.
	pipes map[*os.File]struct{}

	// wg counts start, supervisors, process waiters and output pumps: Stop
	// returns when all are done.
	wg       sync.WaitGroup
	stopOnce sync.Once
}

type worker struct {
	index int
	proc  *process // nil while it is (re)started
}

// process is one run of a worker program.
type process struct {
	cmd     *exec.Cmd
	index   int    // its worker's
	tag     string // in its environment, and its descendants'
	url     string
	started time.Time
	exited  chan struct{} // closed once reaped; err is then set
	err     error
	output  chan struct{} // closed once its stdout and stderr are drained
	stderr  *tailBuffer   // guarded by tailMu
	tailMu  sync.Mutex
	// retired says why the runner took it out of the rotation and killed
	// it (guarded by instance.mu); "" when it crashed or exited.
	retired string
}

func newInstance(r *Runner, spec Spec, dir string) *instance {
	ctx, cancel := context.WithCancel(context.Background())
	inst := &instance{
		r: r, id: rand.Text()[:16], spec: spec, dir: dir, ctx: ctx, cancel: cancel,
		pipes: map[*os.File]struct{}{},
		// A fresh connection per call: a restarted worker listens on a new
		// port, and a connection that fails to dial proves that the request
		// never reached a worker, so it can safely go to another.
		transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true, Proxy: nil},
		changed:   make(chan struct{}),
	}
	for i := range spec.Replicas {
		inst.workers = append(inst.workers, &worker{index: i})
	}
	inst.env = inst.environment()
	inst.wg.Add(1) // held by start, so that Stop waits for it
	return inst
}

// environment is the workers' environment: a minimal base from the server's,
// the function's identity, runtime settings, then Spec.Env.
func (inst *instance) environment() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "SYSTEMROOT"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	spec := inst.spec
	env = append(env, "E2E_FUNCTION_NAME="+spec.Name, "E2E_FUNCTION_NAMESPACE="+spec.Namespace, "E2E_FUNCTION_VERSION="+spec.Version)
	switch runtimeKinds[spec.Runtime] {
	case "python":
		env = append(env, "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1")
	case "go":
		if spec.MemoryMB > 0 {
			env = append(env, fmt.Sprintf("GOMEMLIMIT=%dMiB", spec.MemoryMB))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Env)) {
		env = append(env, k+"="+spec.Env[k])
	}
	return env
}

// start prepares the code and starts every worker.
func (inst *instance) start(ctx context.Context) error {
	defer inst.wg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(inst.ctx, cancel)()

	argv, cwd, err := inst.prepare(ctx)
	if err != nil {
		return err
	}
	inst.argv, inst.cwd = argv, cwd

	type result struct {
		p   *process
		err error
	}
	results := make([]result, len(inst.workers))
	var launches sync.WaitGroup
	for i := range inst.workers {
		launches.Add(1)
		go func() {
			defer launches.Done()
			p, err := inst.launch(ctx, i)
			results[i] = result{p, err}
			if err != nil {
				cancel() // the deploy fails: the other workers need not finish starting
			}
		}()
	}
	launches.Wait()
	var failed error
	for _, res := range results {
		if res.err != nil && (failed == nil || errors.Is(failed, context.Canceled)) {
			failed = res.err
		}
	}
	inst.mu.Lock()
	if failed == nil && inst.stopping {
		failed = errStopped
	}
	if failed != nil {
		inst.mu.Unlock()
		for _, res := range results {
			if res.p != nil {
				res.p.kill()
			}
		}
		return failed
	}
	for i, w := range inst.workers {
		w.proc = results[i].p
		inst.wg.Add(1)
		go inst.supervise(w, w.proc)
	}
	inst.broadcastLocked()
	inst.mu.Unlock()
	inst.spec.Log("stdout", fmt.Sprintf("%d worker(s) of version %s ready", len(inst.workers), inst.spec.Version))
	return nil
}

// launch starts worker i's program and waits until it reports ready.
func (inst *instance) launch(ctx context.Context, i int) (*process, error) {
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	pipes, err := openWorkerPipes()
	if err != nil {
		return nil, err
	}
	p, err := inst.startProcess(i, pipes)
	if err != nil {
		return nil, err
	}
	inst.follow(p, pipes.outR, pipes.errR)
	return inst.awaitReady(ctx, p, pipes.readyR)
}

// workerPipes are a worker's pipes: the line it writes when ready on file
// descriptor 3, its stdout and its stderr; the read ends are the server's,
// the write ends the worker's.
type workerPipes struct {
	readyR, readyW, outR, outW, errR, errW *os.File
}

func openWorkerPipes() (*workerPipes, error) {
	var p workerPipes
	var opened []*os.File
	for _, ends := range []struct{ r, w **os.File }{{&p.readyR, &p.readyW}, {&p.outR, &p.outW}, {&p.errR, &p.errW}} {
		r, w, err := os.Pipe()
		if err != nil {
			closeAll(opened...)
			return nil, err
		}
		*ends.r, *ends.w = r, w
		opened = append(opened, r, w)
	}
	return &p, nil
}

// startProcess starts worker i's program on the pipes, whose write ends it
// then closes (the child holds its copies), and applies memory_mb.
func (inst *instance) startProcess(i int, pipes *workerPipes) (*process, error) {
	cmd := exec.Command(inst.argv[0], inst.argv[1:]...)
	cmd.Dir, cmd.Env = inst.cwd, inst.env
	cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = pipes.outW, pipes.errW, []*os.File{pipes.readyW}
	setProcessGroup(cmd)
	tag := inst.r.tracker.newTag(inst.id)
	err := inst.r.tracker.start(cmd, tag)
	closeAll(pipes.readyW, pipes.outW, pipes.errW)
	if err != nil {
		closeAll(pipes.readyR, pipes.outR, pipes.errR)
		return nil, err
	}
	inst.holdPipes(pipes.readyR, pipes.outR, pipes.errR)
	p := &process{cmd: cmd, index: i, tag: tag, started: time.Now(), exited: make(chan struct{}), output: make(chan struct{}), stderr: &tailBuffer{}}
	if runtimeKinds[inst.spec.Runtime] == "python" && inst.spec.MemoryMB > 0 {
		if err := limitMemory(cmd.Process.Pid, inst.spec.MemoryMB); err != nil {
			inst.spec.Log("stderr", fmt.Sprintf("memory_mb not applied to worker %d: %v", i+1, err))
		}
	}
	return p, nil
}

// follow sends the process's output to the function's log (p.output is
// closed once both streams are drained) and waits for it to exit (then
// p.exited is closed).
func (inst *instance) follow(p *process, stdout, stderr *os.File) {
	var pumps sync.WaitGroup
	pumps.Add(2)
	inst.wg.Add(3)
	go inst.pump(stdout, "stdout", nil, &pumps)
	go inst.pump(stderr, "stderr", p, &pumps)
	go func() {
		defer inst.wg.Done()
		pumps.Wait()
		close(p.output)
	}()
	inst.wg.Add(1)
	go func() {
		defer inst.wg.Done()
		p.err = p.cmd.Wait()
		inst.r.tracker.waited(p.cmd)
		close(p.exited)
	}()
}

// awaitReady waits for the worker's line on its ready pipe: "ready <port>"
// returns the process, answering on that port; "error <JSON string>", an
// exit, Options.StartTimeout or ctx ends it, with why.
func (inst *instance) awaitReady(ctx context.Context, p *process, ready *os.File) (*process, error) {
	line := make(chan string, 1)
	inst.wg.Add(1)
	go func() {
		defer inst.wg.Done()
		defer inst.releasePipe(ready)
		s, _ := bufio.NewReader(ready).ReadString('\n') // EOF once the worker exits
		line <- strings.TrimSpace(s)
	}()
	timer := time.NewTimer(inst.r.opts.StartTimeout)
	defer timer.Stop()
	fail := func(format string, args ...any) (*process, error) {
		inst.end(p)
		select {
		case <-p.output:
		case <-time.After(waitDelay):
		}
		return nil, fmt.Errorf(format, args...)
	}
	n := p.index + 1
	select {
	case s := <-line:
		if port, ok := strings.CutPrefix(s, "ready "); ok {
			if _, err := strconv.Atoi(port); err == nil {
				p.url = "http://" + net.JoinHostPort("127.0.0.1", port)
				return p, nil
			}
		}
		if msg, ok := strings.CutPrefix(s, "error "); ok {
			var text string
			if json.Unmarshal([]byte(msg), &text) == nil {
				return fail("%s", text)
			}
		}
		select {
		case <-p.exited:
		case <-timer.C:
		case <-ctx.Done():
		}
		p.kill()
		<-p.exited
		return fail("worker %d exited before it was ready (%v):\n%s", n, p.err, p.stderrTail())
	case <-timer.C:
		return fail("worker %d did not become ready within %s:\n%s", n, inst.r.opts.StartTimeout, p.stderrTail())
	case <-ctx.Done():
		return fail("%w", context.Cause(ctx))
	}
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		_ = f.Close()
	}
}

// holdPipes records read ends that goroutines drain.
func (inst *instance) holdPipes(files ...*os.File) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	for _, f := range files {
		inst.pipes[f] = struct{}{}
	}
}

// releasePipe closes a drained read end.
func (inst *instance) releasePipe(f *os.File) {
	inst.mu.Lock()
	delete(inst.pipes, f)
	inst.mu.Unlock()
	_ = f.Close()
}

// closePipes closes the read ends still open, which ends the goroutines
// reading them.
func (inst *instance) closePipes() {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	for f := range inst.pipes {
		_ = f.Close()
	}
}

// kill sends SIGKILL to the process's group: the process and what it
// started without leaving the group.
func (p *process) kill() { _ = killGroup(p.cmd.Process.Pid) }

// end kills the process and every process it started, however detached
// (see tracker.go). The first sweep comes before the process dies, while
// what it started is still its child, and so known as its own even with a
// cleared environment.
func (inst *instance) end(p *process) {
	inst.r.tracker.sweep(exactly(p.tag))
	p.kill()
	inst.r.tracker.end(exactly(p.tag), time.Now().Add(sweepTimeout))
}

func (p *process) stderrTail() string {
	select {
	case <-p.output:
	case <-time.After(waitDelay):
	}
	p.tailMu.Lock()
	defer p.tailMu.Unlock()
	return strings.TrimSpace(p.stderr.String())
}

// pump sends each line of a worker's output to the function's log; lines
// of stderr are kept for a start's error too.
func (inst *instance) pump(f *os.File, stream string, p *process, pumps *sync.WaitGroup) {
	defer inst.wg.Done()
	defer pumps.Done()
	defer inst.releasePipe(f)
	br := bufio.NewReaderSize(f, 16<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			msg := strings.TrimRight(string(line), "\r\n")
			inst.spec.Log(stream, msg)
			if p != nil {
				p.tailMu.Lock()
				_, _ = p.stderr.Write(append([]byte(msg), '\n'))
				p.tailMu.Unlock()
			}
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

// supervise restarts worker w whenever its process ends, until Stop.
func (inst *instance) supervise(w *worker, p *process) {
	defer inst.wg.Done()
	var backoff time.Duration
	for {
		<-p.exited
		inst.end(p) // whatever it started, however detached
		inst.mu.Lock()
		if w.proc == p {
			w.proc = nil
			inst.broadcastLocked()
		}
		stopping, retired := inst.stopping, p.retired
		inst.mu.Unlock()
		if stopping {
			return
		}
		switch {
		case retired != "":
			backoff = 0 // not a crash
			inst.spec.Log("stderr", fmt.Sprintf("worker %d (pid %d) was killed (%s); starting another", w.index+1, p.cmd.Process.Pid, retired))
		default:
			if time.Since(p.started) > stableAfter {
				backoff = 0
			}
			inst.spec.Log("stderr", fmt.Sprintf("worker %d (pid %d) exited (%v); restarting it", w.index+1, p.cmd.Process.Pid, p.err))
		}
		for {
			select {
			case <-time.After(backoff):
			case <-inst.ctx.Done():
				return
			}
			backoff = min(max(2*backoff, 100*time.Millisecond), maxBackoff)
			np, err := inst.launch(inst.ctx, w.index)
			if err == nil {
				p = np
				break
			}
			if inst.ctx.Err() != nil {
				return
			}
			inst.spec.Log("stderr", fmt.Sprintf("worker %d did not restart: %v", w.index+1, err))
		}
		inst.mu.Lock()
		if inst.stopping {
			inst.mu.Unlock()
			p.kill()
			<-p.exited
			return
		}
		w.proc = p
		inst.broadcastLocked()
		inst.mu.Unlock()
		inst.spec.Log("stdout", fmt.Sprintf("worker %d restarted (pid %d)", w.index+1, p.cmd.Process.Pid))
	}
}

func (inst *instance) broadcastLocked() {
	close(inst.changed)
	inst.changed = make(chan struct{})
}

// Stop ends every process and removes the files, within the runner's
// StopTimeout and pipeGrace.
func (inst *instance) Stop() {
	inst.stopOnce.Do(func() {
		deadline := time.Now().Add(inst.r.opts.StopTimeout)
		inst.mu.Lock()
		inst.stopping = true
		var procs []*process
		for _, w := range inst.workers {
			if w.proc != nil {
				procs = append(procs, w.proc)
			}
		}
		inst.broadcastLocked()
		inst.mu.Unlock()
		inst.cancel()
		tags := deploymentTags(inst.id)
		inst.r.tracker.sweep(tags) // first, while every process has its parent
		for _, p := range procs {
			p.kill()
		}
		inst.r.tracker.end(tags, deadline)
		drained := time.Now().Add(pipeGrace)
		if deadline.Before(drained) {
			drained = deadline
		}
		if !waitUntil(&inst.wg, drained) {
			// A process that escaped the sweep holds a pipe: stop reading.
			inst.closePipes()
			if !waitUntil(&inst.wg, deadline.Add(pipeGrace)) {
				inst.spec.Log("stderr", "the function's processes did not all end within "+inst.r.opts.StopTimeout.String())
			}
		}
		inst.r.tracker.end(tags, deadline) // what a start under way began meanwhile
		inst.r.tracker.forget(inst.id)
		inst.transport.CloseIdleConnections()
		if err := os.RemoveAll(inst.dir); err != nil {
			inst.spec.Log("stderr", fmt.Sprintf("cannot remove the function's files: %v", err))
		}
		inst.r.untrack(inst)
	})
}

// waitUntil waits for wg until the deadline, and reports whether it is done.
func waitUntil(wg *sync.WaitGroup, deadline time.Time) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-timer.C:
		return false
	}
}

// killAll kills the process groups of the workers, at once.
func (inst *instance) killAll() {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	for _, w := range inst.workers {
		if w.proc != nil {
			w.proc.kill()
		}
	}
}

// pick returns a ready worker's process, round robin, waiting for one while
// all are (re)starting.
func (inst *instance) pick(ctx context.Context) (*process, error) {
	for {
		inst.mu.Lock()
		if inst.stopping {
			inst.mu.Unlock()
			return nil, errStopped
		}
		n := len(inst.workers)
		for i := range n {
			w := inst.workers[(inst.next+i)%n]
			if w.proc != nil {
				inst.next = (inst.next + i + 1) % n
				p := w.proc
				inst.mu.Unlock()
				return p, nil
			}
		}
		changed := inst.changed
		inst.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// discard takes a process that refuses connections out of the rotation and
// kills it; its supervisor starts another.
func (inst *instance) discard(p *process) {
	inst.mu.Lock()
	for _, w := range inst.workers {
		if w.proc == p {
			w.proc = nil
			inst.broadcastLocked()
		}
	}
	inst.mu.Unlock()
	p.kill()
}

// retire takes p out of the rotation and kills it; its supervisor ends what
// it started and starts another. It reports false when p was retired
// already, or has exited. Calls p was serving at the same time fail with
// 502.
func (inst *instance) retire(p *process, why string) bool {
	select {
	case <-p.exited:
		return false // its supervisor sees to it
	default:
	}
	inst.mu.Lock()
	if p.retired != "" {
		inst.mu.Unlock()
		return false
	}
	p.retired = why
	for _, w := range inst.workers {
		if w.proc == p {
			w.proc = nil
			inst.broadcastLocked()
		}
	}
	inst.mu.Unlock()
	inst.r.tracker.sweep(exactly(p.tag)) // see end
	p.kill()
	return true
}
