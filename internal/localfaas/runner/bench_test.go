// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package runner

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

const benchHandler = "def handle(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"

// BenchmarkPythonColdStart measures a python3.11 http deploy up to its first
// answer: unpack, start the worker, wait until it is ready, one call. Stop
// is not timed.
func BenchmarkPythonColdStart(b *testing.B) {
	r := newRunner(b)
	needs(b, r, "python3.11")
	s := spec("python3.11", "handler.py", benchHandler, newLogBook())
	b.ResetTimer()
	for range b.N {
		d, err := r.Start(context.Background(), s)
		if err != nil {
			b.Fatal(err)
		}
		if a := call(d, "GET", "/", ""); a.status != http.StatusOK {
			b.Fatalf("first call: %+v", a)
		}
		b.StopTimer()
		d.Stop()
		b.StartTimer()
	}
}

// BenchmarkPythonWarmCall measures one call of a running python3.11 http
// function, over HTTP as a caller of its invoke_url sees it: the caller's
// connection, the runner's proxy, a fresh connection to the worker, the
// handler.
func BenchmarkPythonWarmCall(b *testing.B) {
	r := newRunner(b)
	needs(b, r, "python3.11")
	ts := httptest.NewServer(start(b, r, spec("python3.11", "handler.py", benchHandler, newLogBook())))
	defer ts.Close()
	client := ts.Client()
	b.ResetTimer()
	for range b.N {
		resp, err := client.Get(ts.URL + "/")
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
