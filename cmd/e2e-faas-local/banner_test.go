// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The banner gives the settings of both API dialects; -dialect chooses which
// are exported (MyAccount's by default, see TestRunServesAndPrintsExports).
func TestRunPrintsBothDialects(t *testing.T) {
	t.Setenv("E2E_LOCAL_API_KEY", "k")
	t.Setenv("E2E_LOCAL_AUTH_TOKEN", "t")
	s := start(t, "-addr", "127.0.0.1:0", "-run=false", "-dialect", "faas-v1", "-project", "777")
	if !banner.MatchString(s.lines[0]) {
		t.Fatalf("banner %q", s.lines)
	}
	base := banner.FindStringSubmatch(s.lines[0])[1]
	want := []string{
		"export E2E_API_ENDPOINT=" + base + "/faas/api/v1/",
		"export E2E_API_KEY=k",
		"export E2E_AUTH_TOKEN=t",
		"# MyAccount API (-dialect myaccount): the same key and token, with",
		"# export E2E_API_ENDPOINT=" + base + "/myaccount/api/v1/",
		"# export E2E_PROJECT_ID=777",
		"# export E2E_LOCATION=Delhi",
		"# functions are deployed but not run (-run=false)",
	}
	if got := strings.Join(s.lines[1:], "\n"); got != strings.Join(want, "\n") {
		t.Errorf("banner\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	if err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-dialect", "v2"}, io.Discard); err == nil || !strings.Contains(err.Error(), "-dialect") {
		t.Errorf("-dialect v2: %v", err)
	}
}

// closedWithin reports whether the server ends the connection within d
// (an answer before that is read and let through).
func closedWithin(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	return err == nil // EOF: closed by the server; a timeout is an error
}

// A client that sends headers and no body, or holds a connection idle, is
// let go after -read-timeout and -idle-timeout.
func TestRunDropsSlowAndIdleClients(t *testing.T) {
	s := start(t, "-addr", "127.0.0.1:0", "-run=false", "-api-key", "k", "-auth-token", "t",
		"-read-timeout", "500ms", "-idle-timeout", "500ms")
	base, _, _ := parseBanner(t, s.lines)
	addr := strings.TrimPrefix(base, "http://")

	noBody, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer noBody.Close()
	_, _ = io.WriteString(noBody, "POST /faas/api/v1/functions?apikey=k HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n"+
		"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	if !closedWithin(noBody, 10*time.Second) {
		t.Error("a request without its body holds its connection past -read-timeout")
	}

	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	_, _ = io.WriteString(idle, "GET /faas/api/v1/runtimes?apikey=k HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n")
	br := bufio.NewReader(idle)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("runtimes: %d, close %v", resp.StatusCode, resp.Close)
	}
	_ = idle.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Error("an idle keep-alive connection is held past -idle-timeout")
	}
}

// While it serves, the command prints a line per API request, by the route
// name -fault-routes takes; -quiet prints the banner only.
func TestRunPrintsWhatItServes(t *testing.T) {
	line := regexp.MustCompile(`^[0-9]{2}:[0-9]{2}:[0-9]{2} GET faas/runtimes/ 200 `)
	for _, quiet := range []bool{false, true} {
		args := []string{"-addr", "127.0.0.1:0", "-run=false", "-api-key", "k", "-auth-token", "t"}
		if quiet {
			args = append(args, "-quiet")
		}
		s := start(t, args...)
		base, _, _ := parseBanner(t, s.lines)
		if got := get(t, base+"/myaccount/api/v1/faas/runtimes/?apikey=k&project_id=12345&location=Delhi", "t"); got != http.StatusOK {
			t.Fatalf("runtimes: %d", got)
		}
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}
		<-s.drained
		var shown bool
		for _, l := range s.printed() {
			shown = shown || line.MatchString(l)
			if strings.Contains(l, "apikey") {
				t.Errorf("the query is on the console: %q", l)
			}
		}
		if shown == quiet {
			t.Errorf("quiet %v: the request's line shown %v; printed after the banner: %q", quiet, shown, s.printed())
		}
	}
}

// The MyAccount project printed is one the provider and the server accept:
// -project only when it is a MyAccount project_id, else the default.
func TestExportLinesProjectID(t *testing.T) {
	for project, want := range map[string]string{
		"777": "777", "local": defaultProjectID, "1000000000000000000": defaultProjectID, "007": defaultProjectID,
	} {
		if got := exportLines("http://127.0.0.1:1", "k", "t", dialectMyAccount, project); !strings.Contains(got, "export E2E_PROJECT_ID="+want+"\n") {
			t.Errorf("-project %s:\n%s\nwant E2E_PROJECT_ID=%s", project, got, want)
		}
	}
}
