// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type gateTransport struct {
	inflight, peak atomic.Int32
	release        chan struct{}
}

func (g *gateTransport) RoundTrip(*http.Request) (*http.Response, error) {
	n := g.inflight.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			break
		}
	}
	<-g.release
	g.inflight.Add(-1)
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
}

func TestLimitedTransportBoundsConcurrency(t *testing.T) {
	gate := &gateTransport{release: make(chan struct{})}
	lt := newLimitedTransport(gate, 0, 0, 2)
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://127.0.0.1/", nil)
			if _, err := lt.RoundTrip(req); err != nil {
				t.Error(err)
			}
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for gate.inflight.Load() < 2 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	// Give the other four every chance to get in while two are held.
	for i := 0; i < 1000; i++ {
		runtime.Gosched()
	}
	close(gate.release)
	wg.Wait()
	if p := gate.peak.Load(); p != 2 {
		t.Errorf("peak in flight %d, want 2", p)
	}
}

func TestLimitedTransportWaitsHonourContext(t *testing.T) {
	gate := &gateTransport{release: make(chan struct{})}
	lt := newLimitedTransport(gate, 0.001, 1, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1/", nil)
	close(gate.release)
	_, err := lt.RoundTrip(req)
	if err == nil {
		t.Fatal("a cancelled request went through the limiter")
	}
	// It never left the client, so even a POST may be sent again.
	if !neverSent(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("error %v: want it marked as never sent, wrapping the cancellation", err)
	}
}

func TestClientLimitSettings(t *testing.T) {
	c, err := New(Config{Endpoint: "http://127.0.0.1:1/", APIKey: "k", AuthToken: "t", RequestsPerSecond: 7, Burst: 3, MaxConcurrentRequests: 4})
	if err != nil {
		t.Fatal(err)
	}
	lt, ok := c.http.HTTPClient.Transport.(*limitedTransport)
	if !ok {
		t.Fatalf("transport %T, want the limiter", c.http.HTTPClient.Transport)
	}
	if lt.limiter.Limit() != 7 || lt.limiter.Burst() != 3 || cap(lt.slots) != 4 {
		t.Errorf("limit %v burst %d slots %d", lt.limiter.Limit(), lt.limiter.Burst(), cap(lt.slots))
	}
}
