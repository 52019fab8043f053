// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package runner

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Every process a function starts must end with its function, however it
// detaches: a new session (setsid, Python's start_new_session=True), a
// double fork, a daemon. Killing the worker's process group misses those;
// they would outlive the function and the server, keep its files, and hold
// the output pipes that Stop drains. So, on Linux (see tracker_linux.go):
//
//   - the server is a child subreaper (PR_SET_CHILD_SUBREAPER): a process
//     whose parent exits is re-parented to the server, not to init, so every
//     process a function ever started stays in the server's process tree;
//   - every process the runner starts (worker, package tool, compiler) leads
//     a process group of its own and carries a tag in its environment,
//     tagVar=<deployment>.<n>, which what it starts inherits;
//   - a sweep reads /proc and gives each process below the server a tag: a
//     process the runner started has its own; any other has its parent's
//     when its parent has one, else what it bears itself (the tag in its
//     environment, or the one an earlier sweep saw it with, or that of the
//     runner's process whose process group it is in). Ending a worker or a
//     deployment sweeps once before killing the worker, while what it
//     started is still its child (so known even with a cleared
//     environment), then kills every process of its tags, round after
//     round until none is left, and reaps those re-parented to the server;
//   - a monitor sweeps every second without killing: it remembers each
//     process's tag by PID and start time, so that a process that later
//     clears its environment and detaches is still known, and it reaps the
//     adopted orphans that exit on their own.
//
// What can still escape is a process that clears its environment and leaves
// its session and its parent within a second of starting. With
// Options.OwnsChildren (set by e2e-faas-local, whose only child processes are
// the runner's), any child the runner did not start is such an orphan: it is
// reaped when it exits and killed, with everything below it, when the
// runner closes. Cgroups would close the gap, but unprivileged users rarely
// have one delegated to them, so the runner does not depend on them.
//
// Elsewhere (macOS, the BSDs) only process groups are killed.

// tagVar names the environment variable that tags a function's processes.
const tagVar = "E2E_FAAS_LOCAL_TAG"

const (
	// monitorInterval is how often the monitor records tags and reaps.
	monitorInterval = time.Second
	// sweepTimeout bounds how long ending a worker's processes may take.
	sweepTimeout = 5 * time.Second
)

// tracker knows the processes the runner started and what they started.
type tracker struct {
	ownsChildren bool
	subreaper    bool // Linux: orphans below this process are re-parented to it

	// spawnMu is held for reading from a process's start until it is
	// recorded, and for writing by each sweep, so that a sweep never takes
	// a child being started for an orphan.
	spawnMu sync.RWMutex

	mu          sync.Mutex
	seq         uint64
	deployments map[string]bool     // the deployments whose tags are this runner's
	roots       map[int]*root       // the processes the runner started, by PID (and process group ID)
	seen        map[int]seenProcess // processes given a tag by a sweep, by PID

	stopMonitor chan struct{}
	monitorDone chan struct{}
	closeOnce   sync.Once
}

// root is a process the runner started. Its PID names the process until
// its Wait returns; its process group ID names the group as long as the
// group has a member.
type root struct {
	tag   string
	start uint64 // start time, to tell a recycled PID; 0 when unknown
	// waiting is true until the exec.Cmd's Wait returns: until then the PID
	// is the process's, and the tracker never reaps it, or Wait would fail.
	waiting bool
}

type seenProcess struct {
	tag   string
	start uint64
}

func newTracker(ownsChildren bool) *tracker {
	t := &tracker{
		ownsChildren: ownsChildren,
		deployments:  map[string]bool{},
		roots:        map[int]*root{},
		seen:         map[int]seenProcess{},
		stopMonitor:  make(chan struct{}),
		monitorDone:  make(chan struct{}),
	}
	t.subreaper = becomeSubreaper() == nil
	if t.subreaper {
		go t.monitor()
	} else {
		close(t.monitorDone)
	}
	return t
}

// newTag returns a tag for the next process of a deployment.
func (t *tracker) newTag(deployment string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	t.deployments[deployment] = true
	return deployment + "." + strconv.FormatUint(t.seq, 10)
}

// start starts cmd tagged with tag, and records it.
func (t *tracker) start(cmd *exec.Cmd, tag string) error {
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(slices.Clip(cmd.Env), tagVar+"="+tag)
	t.spawnMu.RLock()
	defer t.spawnMu.RUnlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	pid := cmd.Process.Pid
	start, _ := startTime(pid)
	t.mu.Lock()
	t.roots[pid] = &root{tag: tag, start: start, waiting: true}
	t.mu.Unlock()
	return nil
}

// waited records that cmd's Wait returned: the process is reaped, and its
// PID may be recycled.
func (t *tracker) waited(cmd *exec.Cmd) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r := t.roots[cmd.Process.Pid]; r != nil {
		r.waiting = false
	}
}

// forget drops what the tracker knows of a deployment's processes, once
// they are ended.
func (t *tracker) forget(deployment string) {
	prefix := deployment + "."
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.deployments, deployment)
	for pid, r := range t.roots {
		if strings.HasPrefix(r.tag, prefix) {
			delete(t.roots, pid)
		}
	}
	for pid, s := range t.seen {
		if strings.HasPrefix(s.tag, prefix) {
			delete(t.seen, pid)
		}
	}
}

// close stops the monitor and, when the runner owns this process's
// children, kills every process below this one.
func (t *tracker) close(deadline time.Time) {
	t.closeOnce.Do(func() { close(t.stopMonitor) })
	<-t.monitorDone
	if t.ownsChildren {
		t.end(func(string) bool { return true }, deadline)
	}
}

// oursLocked says whether the tag is of a deployment of this runner.
func (t *tracker) oursLocked(tag string) bool {
	i := strings.LastIndexByte(tag, '.')
	return i > 0 && t.deployments[tag[:i]]
}

// killNow kills, once, every process of this runner's deployments, or with
// ownsChildren every process below this one, without waiting.
func (t *tracker) killNow() {
	t.sweep(func(tag string) bool { return t.ownsChildren || t.oursLocked(tag) })
}

// deploymentTags matches the tags of a deployment.
func deploymentTags(deployment string) func(string) bool {
	prefix := deployment + "."
	return func(tag string) bool { return strings.HasPrefix(tag, prefix) }
}

// exactly matches one process's tag.
func exactly(tag string) func(string) bool {
	return func(t string) bool { return t == tag }
}
