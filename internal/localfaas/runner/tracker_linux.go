// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package runner

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// becomeSubreaper makes this process the reaper of the orphans below it
// (Linux 3.4 and later), so that none leaves its process tree.
func becomeSubreaper() error { return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }

// procStat is what /proc/<pid>/stat tells the tracker.
type procStat struct {
	ppid, pgrp int
	state      byte   // R, S, D, Z...
	start      uint64 // clock ticks after boot
}

func (p procStat) dead() bool { return p.state == 'Z' || p.state == 'X' }

func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	// The command name, in parentheses, may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgrp, err2 := strconv.Atoi(f[2])
	start, err3 := strconv.ParseUint(f[19], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procStat{}, false
	}
	return procStat{ppid: ppid, pgrp: pgrp, state: f[0][0], start: start}, true
}

func startTime(pid int) (uint64, bool) {
	s, ok := readStat(pid)
	return s.start, ok
}

func scanProcs() map[int]procStat {
	procs := map[int]procStat{}
	d, err := os.Open("/proc")
	if err != nil {
		return procs
	}
	names, _ := d.Readdirnames(-1)
	_ = d.Close()
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid <= 0 {
			continue
		}
		if s, ok := readStat(pid); ok {
			procs[pid] = s
		}
	}
	return procs
}

// environTag is the tag in the process's environment, or "" (none, or the
// environment cannot be read: the process exited, or is not dumpable).
func environTag(pid int) string {
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return ""
	}
	for kv := range bytes.SplitSeq(env, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte(tagVar+"=")); ok {
			return string(v)
		}
	}
	return ""
}

// attributeLocked gives each process below this one (below init when this
// process is no subreaper) a tag: a process the runner started has its own;
// any other its parent's, if its parent has one; else what evidence it
// bears. Processes without any have "".
func (t *tracker) attributeLocked(procs map[int]procStat) map[int]string {
	self := os.Getpid()
	children := map[int][]int{}
	for pid, p := range procs {
		children[p.ppid] = append(children[p.ppid], pid)
	}
	top := 0
	if t.subreaper {
		top = self
	}
	type item struct {
		pid       int
		inherited string
	}
	var queue []item
	for _, c := range children[top] {
		queue = append(queue, item{c, ""})
	}
	tags := map[int]string{}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if _, done := tags[it.pid]; done {
			continue
		}
		tag := ""
		if it.pid != self {
			tag = t.tagLocked(it.pid, procs[it.pid], it.inherited)
			tags[it.pid] = tag
		}
		for _, c := range children[it.pid] {
			queue = append(queue, item{c, tag})
		}
	}
	return tags
}

// tagLocked is the tag of one process. Ancestry comes before the
// environment, which a handler may change for what it starts: a tag of no
// deployment of this runner there counts for nothing.
func (t *tracker) tagLocked(pid int, p procStat, inherited string) string {
	if r := t.roots[pid]; r != nil && r.waiting && (r.start == 0 || r.start == p.start) {
		return r.tag
	}
	if inherited != "" {
		return inherited
	}
	if !p.dead() {
		if tag := environTag(pid); t.oursLocked(tag) {
			return tag
		}
	}
	if s, ok := t.seen[pid]; ok && s.start == p.start {
		return s.tag
	}
	if r := t.roots[p.pgrp]; r != nil && p.pgrp != pid {
		return r.tag
	}
	return ""
}

// sweep gives every process below this one a tag and remembers those of
// this runner's deployments; it kills the live processes whose tag matches
// (none when match is nil), and reaps the zombies among this process's
// children that are its deployments' (or, with ownsChildren, any that the
// runner did not start). It reports whether a matching process is still
// alive, or dying with a parent that is.
func (t *tracker) sweep(match func(string) bool) (left bool) {
	t.spawnMu.Lock()
	defer t.spawnMu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	procs := scanProcs()
	tags := t.attributeLocked(procs)
	self := os.Getpid()
	for pid, tag := range tags {
		p := procs[pid]
		ours := t.oursLocked(tag)
		if ours {
			t.seen[pid] = seenProcess{tag: tag, start: p.start}
		}
		matched := match != nil && match(tag)
		if !p.dead() {
			if matched {
				killProcess(pid, p.start)
				left = true
			}
			continue
		}
		if p.ppid != self {
			// Its parent reaps it, or, once its parent dies, this process.
			left = left || matched && match(tags[p.ppid])
			continue
		}
		if r := t.roots[pid]; r != nil && r.waiting {
			continue // its exec.Cmd's Wait reaps it
		}
		if ours || matched || t.ownsChildren && tag == "" {
			var ws unix.WaitStatus
			_, _ = unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		}
	}
	for pid, s := range t.seen {
		if p, ok := procs[pid]; !ok || p.start != s.start {
			delete(t.seen, pid)
		}
	}
	return left
}

// killProcess sends SIGKILL to the process if it is still the one that
// started at start: through a pidfd, so that a PID recycled meanwhile is
// never hit, where the kernel has them (5.3 and later).
func killProcess(pid int, start uint64) {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return
	}
	if err != nil {
		_ = unix.Kill(pid, unix.SIGKILL)
		return
	}
	defer unix.Close(fd)
	if s, ok := readStat(pid); !ok || s.start != start {
		return
	}
	_ = unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
}

// end kills the processes whose tag matches until none is left or the
// deadline passes.
func (t *tracker) end(match func(string) bool, deadline time.Time) {
	for t.sweep(match) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // SIGKILL is delivered, the process not gone yet
	}
}

// monitor sweeps every monitorInterval until the tracker closes.
func (t *tracker) monitor() {
	defer close(t.monitorDone)
	tick := time.NewTicker(monitorInterval)
	defer tick.Stop()
	for {
		select {
		case <-t.stopMonitor:
			return
		case <-tick.C:
			t.mu.Lock()
			idle := len(t.roots) == 0 && len(t.seen) == 0 && !t.ownsChildren
			t.mu.Unlock()
			if !idle {
				t.sweep(nil)
			}
		}
	}
}
