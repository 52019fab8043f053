// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package runnertest helps tests of processes and servers: prove that a
// runner leaves no process behind, wait for what they do, and read what
// they write.
package runnertest

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Processes lists the live processes whose command line names dir: every
// worker, package tool and compiler of a runner whose work directory is dir
// (each names its files there). It returns nil on systems without /proc.
func Processes(t testing.TB, dir string) []string {
	t.Helper()
	if runtime.GOOS != "linux" {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(dir)) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && bytes.Contains(stat, []byte(") Z ")) {
			continue // exited, and about to be reaped
		}
		out = append(out, e.Name()+": "+strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " ")))
	}
	return out
}

// NoneLeft fails the test when a process of dir is still alive.
func NoneLeft(t testing.TB, dir string) {
	t.Helper()
	if left := Processes(t, dir); len(left) > 0 {
		t.Errorf("%d process(es) outlive their runner:\n%s", len(left), strings.Join(left, "\n"))
	}
}

// Eventually polls cond every 20ms until it holds or timeout passes, and
// reports whether it held.
func Eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}
