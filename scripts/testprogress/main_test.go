// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"strings"
	"testing"
	"time"
)

// A run as go test -json reports it: a line per test as it ends, a failing
// test's output, the slowest tests, and go test's own last line last.
func TestReport(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"example.com/a","Test":"TestFast"}`,
		`{"Action":"output","Package":"example.com/a","Test":"TestFast","Output":"=== RUN   TestFast\n"}`,
		`{"Action":"pass","Package":"example.com/a","Test":"TestFast","Elapsed":0.01}`,
		`{"Action":"output","Package":"example.com/a","Test":"TestBroken","Output":"    a_test.go:9: boom\n"}`,
		`{"Action":"output","Package":"example.com/a","Test":"TestBroken/sub","Output":"    a_test.go:12: inner\n"}`,
		`{"Action":"fail","Package":"example.com/a","Test":"TestBroken/sub","Elapsed":0.5}`,
		`{"Action":"fail","Package":"example.com/a","Test":"TestBroken","Elapsed":0.5}`,
		`{"Action":"output","Package":"example.com/a","Output":"FAIL\texample.com/a\t1.2s\n"}`,
		`{"Action":"fail","Package":"example.com/a","Elapsed":1.2}`,
		`{"Action":"pass","Package":"example.com/b","Test":"TestSlow","Elapsed":42.5}`,
		`{"Action":"output","Package":"example.com/b","Output":"ok  \texample.com/b\t43s\n"}`,
		`# example.com/c [example.com/c.test]`,
		`FAIL	example.com/c [build failed]`,
	}, "\n") + "\n"
	var out strings.Builder
	r := &reporter{out: &out, slowest: 2, output: map[string][]string{}, start: time.Now()}
	r.run(strings.NewReader(in))
	got := out.String()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	for _, want := range []string{
		" PASS a.TestFast", " FAIL a.TestBroken", "a_test.go:9: boom", "a_test.go:12: inner",
		"FAIL\texample.com/a\t1.2s", " PASS b.TestSlow", "ok  \texample.com/b\t43s", "# example.com/c",
		"slowest 2 of 3 tests",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "=== RUN") {
		t.Errorf("the report repeats go test's === lines:\n%s", got)
	}
	if last := lines[len(lines)-1]; last != "FAIL\texample.com/c [build failed]" {
		t.Errorf("the last line is %q, want go test's own last line:\n%s", last, got)
	}
	slow := strings.Index(got, "slowest 2 of 3 tests")
	if first := strings.Index(got, "42.50s  b.TestSlow"); first < slow {
		t.Errorf("the slowest test is not listed first after the heading:\n%s", got)
	}
	if strings.Index(got, " FAIL a.TestBroken") < strings.Index(got, "a_test.go:9: boom") {
		t.Errorf("a failing test's output should come before its result line:\n%s", got)
	}
}
