package faas

import (
	"net/http"

	"golang.org/x/time/rate"
)

// limitedTransport holds every HTTP attempt to a request rate and a number in
// flight. It sits under the retrying client, so retries and polls count too.
type limitedTransport struct {
	base    http.RoundTripper
	limiter *rate.Limiter
	slots   chan struct{}
}

func newLimitedTransport(base http.RoundTripper, perSecond float64, burst, concurrent int) *limitedTransport {
	if base == nil {
		base = http.DefaultTransport
	}
	t := &limitedTransport{base: base}
	if perSecond > 0 {
		if burst < 1 {
			burst = max(1, int(perSecond))
		}
		t.limiter = rate.NewLimiter(rate.Limit(perSecond), burst)
	}
	if concurrent > 0 {
		t.slots = make(chan struct{}, concurrent)
	}
	return t
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if t.slots != nil {
		select {
		case t.slots <- struct{}{}:
			defer func() { <-t.slots }()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if t.limiter != nil {
		if err := t.limiter.Wait(ctx); err != nil {
			return nil, err
		}
	}
	return t.base.RoundTrip(req)
}

// CloseIdleConnections forwards to the wrapped transport.
func (t *limitedTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
