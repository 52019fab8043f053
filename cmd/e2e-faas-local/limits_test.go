// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// partialRequest is a create whose headers announce a body that never
// comes; with Expect: 100-continue the server says when its handler has
// begun to read the body.
const partialRequest = "POST /faas/api/v1/functions?apikey=k HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n" +
	"Content-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n"

// sendPartial opens a connection and sends partialRequest on it; when
// confirm, it waits for the server to read the body, then sends its first
// byte and no more.
func sendPartial(t *testing.T, addr string, confirm bool) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, partialRequest); err != nil {
		t.Fatal(err)
	}
	if !confirm {
		return c
	}
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("the server did not begin to read the body: %q %v", line, err)
	}
	if _, err := io.WriteString(c, "{"); err != nil {
		t.Fatal(err)
	}
	return c
}

// Past -max-conns, connections whose requests sent their headers and never
// their body do not keep a real request from an answer: one of them is
// closed to make room.
func TestRunAnswersThroughAPartialBodyFlood(t *testing.T) {
	const maxConns = 8
	s := start(t, "-addr", "127.0.0.1:0", "-run=false", "-api-key", "k", "-auth-token", "t", "-max-conns", "8")
	base, _, _ := parseBanner(t, s.lines)
	addr := strings.TrimPrefix(base, "http://")
	for i := range 2 * maxConns {
		sendPartial(t, addr, i < maxConns) // the first fill the server; the rest wait to be let in
	}
	req, _ := http.NewRequest("GET", base+"/faas/api/v1/runtimes?apikey=k", nil)
	req.Header.Set("Authorization", "Bearer t")
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("the API does not answer past %d stalled requests: %v", 2*maxConns, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("runtimes: %d", resp.StatusCode)
	}
}

// A request whose body stops coming has its connection closed after
// -stall-timeout, well before -read-timeout.
func TestRunClosesAStalledBody(t *testing.T) {
	s := start(t, "-addr", "127.0.0.1:0", "-run=false", "-api-key", "k", "-auth-token", "t",
		"-read-timeout", "10m", "-stall-timeout", "200ms")
	base, _, _ := parseBanner(t, s.lines)
	c := sendPartial(t, strings.TrimPrefix(base, "http://"), true)
	if !closedWithin(c, 30*time.Second) {
		t.Error("a request whose body stopped coming holds its connection past -stall-timeout")
	}
}
