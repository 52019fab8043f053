// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Command testprogress reads `go test -json` on standard input and shows
// the run as it goes: a line per top-level test as it finishes (with the
// output of a test that fails), go test's own line per package, and at the
// end the slowest tests. go test's last line (its summary: the last
// package's result, or FAIL) stays the last line printed, and the command
// always exits 0, so that in
//
//	set -o pipefail; go test -json ./... | go run ./scripts/testprogress
//
// the exit code is go test's.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

type result struct {
	name    string
	elapsed float64
}

type reporter struct {
	out     io.Writer
	slowest int
	// output holds each running test's lines, shown if it fails.
	output map[string][]string
	done   []result
	// held is go test's latest package-level line, printed when the next
	// one comes, or after the slowest tests at the end.
	held  string
	start time.Time
}

func main() {
	slowest := flag.Int("slowest", 10, "how many of the slowest tests to list at the end")
	flag.Parse()
	r := &reporter{out: os.Stdout, slowest: *slowest, output: map[string][]string{}, start: time.Now()}
	r.run(os.Stdin)
}

func (r *reporter) run(in io.Reader) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		var e event
		if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &e) != nil {
			// Not an event: go test's own text (build errors, the final FAIL).
			r.packageLine(line + "\n")
			continue
		}
		r.handle(e)
	}
	r.finish()
}

func (r *reporter) handle(e event) {
	key := e.Package + " " + e.Test
	switch {
	case e.Action == "build-output":
		r.packageLine(e.Output)
	case e.Test == "" && e.Action == "output":
		// Package-level output: go test's "ok"/"FAIL" lines, TestMain's words.
		r.packageLine(e.Output)
	case e.Test == "":
	case e.Action == "output":
		if !strings.HasPrefix(e.Output, "=== ") {
			r.output[key] = append(r.output[key], e.Output)
		}
	case e.Action == "pass" || e.Action == "fail" || e.Action == "skip":
		lines := r.output[key]
		delete(r.output, key)
		if e.Action == "fail" && !strings.Contains(e.Test, "/") {
			r.flush()
			fmt.Fprint(r.out, strings.Join(lines, ""))
		}
		if strings.Contains(e.Test, "/") {
			// A subtest's lines belong to its parent too, shown if it fails.
			parent := e.Package + " " + e.Test[:strings.Index(e.Test, "/")]
			r.output[parent] = append(r.output[parent], lines...)
			return
		}
		r.done = append(r.done, result{name: path.Base(e.Package) + "." + e.Test, elapsed: e.Elapsed})
		r.flush()
		fmt.Fprintf(r.out, "%5s %-60s %7.2fs  [%s]\n", strings.ToUpper(e.Action), path.Base(e.Package)+"."+e.Test, e.Elapsed, since(r.start))
	}
}

// packageLine passes go test's own text on, holding back the latest line
// so that the very last one can follow the list of slowest tests.
func (r *reporter) packageLine(s string) {
	if strings.HasPrefix(s, "=== ") || strings.HasPrefix(s, "PASS\n") || s == "\n" {
		return
	}
	r.flush()
	r.held = s
}

func (r *reporter) flush() {
	if r.held != "" {
		fmt.Fprint(r.out, r.held)
		r.held = ""
	}
}

func (r *reporter) finish() {
	sort.Slice(r.done, func(i, j int) bool { return r.done[i].elapsed > r.done[j].elapsed })
	if n := min(r.slowest, len(r.done)); n > 0 {
		held := r.held
		r.held = ""
		fmt.Fprintf(r.out, "slowest %d of %d tests (wall %s):\n", n, len(r.done), since(r.start))
		for _, t := range r.done[:n] {
			fmt.Fprintf(r.out, "  %7.2fs  %s\n", t.elapsed, t.name)
		}
		r.held = held
	}
	r.flush()
}

func since(t time.Time) string { return time.Since(t).Round(time.Second).String() }
