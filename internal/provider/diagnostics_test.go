package provider

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

// A failed create says whether something may have been created: only an
// answer that refused the request proves nothing was.
func TestCreateFailureHint(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		want string
	}{
		{"refused", context.Background(), &faas.APIError{StatusCode: 400}, "Nothing was created"},
		{"name taken", context.Background(), &faas.APIError{StatusCode: 409}, "Nothing was created"},
		{"server error after retries", context.Background(), &faas.APIError{StatusCode: 503}, "may or may not exist"},
		{"no answer", context.Background(), &faas.TransportError{Method: "POST", Path: "functions"}, "may or may not exist"},
		{"interrupted", cancelled, errors.New("context canceled"), "interrupted"},
		{"timed out", context.Background(), context.DeadlineExceeded, "interrupted"},
	} {
		if got := createFailureHint(tc.ctx, tc.err); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q does not say %q", tc.name, got, tc.want)
		}
	}
}
