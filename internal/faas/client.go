// Package faas is the client of the E2E Functions-as-a-Service API. It knows
// HTTP and JSON, never Terraform: auth, retries, typed errors, envelopes and
// redaction of credentials live here.
package faas

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// DefaultEndpoint is the public API base.
const DefaultEndpoint = "https://api.e2enetworks.com/faas/api/v1/"

// LogFunc receives one line per request, once its retries are over, with the
// number of attempts made. Fields never hold credentials or bodies.
type LogFunc func(ctx context.Context, msg string, fields map[string]any)

// Config configures a Client.
type Config struct {
	// Endpoint is the API base, e.g. DefaultEndpoint; a missing trailing slash
	// is added.
	Endpoint  string
	APIKey    string
	AuthToken string
	ProjectID string
	Location  string
	UserAgent string

	// HTTPClient is the transport; nil means a pooled client with a 60 s
	// timeout per attempt.
	HTTPClient *http.Client
	// MaxRetries for retryable failures (default 5); RetryWaitMin and
	// RetryWaitMax bound the jittered exponential backoff (defaults 250 ms and
	// 15 s). Retry-After from the server is honoured up to RetryAfterMax
	// (default 60 s).
	MaxRetries    int
	RetryWaitMin  time.Duration
	RetryWaitMax  time.Duration
	RetryAfterMax time.Duration
	// RequestsPerSecond and Burst limit the rate of HTTP attempts (retries
	// and polls included) across every caller of this client; zero means no
	// limit. MaxConcurrentRequests bounds the attempts in flight; zero means
	// no bound. One provider instance shares one client, so 100 functions
	// applied at once stay within what the API accepts.
	RequestsPerSecond     float64
	Burst                 int
	MaxConcurrentRequests int
	// Log, if set, receives one line per request (not per retry).
	Log LogFunc
}

// Client talks to the E2E FaaS API. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	cfg     Config
	http    *retryablehttp.Client
	secrets []string
}

// New checks the configuration and builds a Client.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if !strings.HasSuffix(cfg.Endpoint, "/") {
		cfg.Endpoint += "/"
	}
	base, err := url.Parse(cfg.Endpoint)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		// The endpoint may hold the credentials the next check refuses.
		shown := (&Client{secrets: []string{cfg.APIKey, cfg.AuthToken}}).scrubText(cfg.Endpoint)
		return nil, fmt.Errorf("endpoint %q is not an http(s) URL with a host", shown)
	}
	if base.RawQuery != "" || base.User != nil {
		return nil, errors.New("endpoint must not carry a query string or user info: credentials go in api_key and auth_token")
	}
	if cfg.APIKey == "" || cfg.AuthToken == "" {
		return nil, errors.New("both an API key and an auth token are required")
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 5
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = 250 * time.Millisecond
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = 15 * time.Second
	}
	if cfg.RetryAfterMax <= 0 {
		cfg.RetryAfterMax = 60 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "terraform-provider-e2e"
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = cleanhttp.DefaultPooledClient()
		hc.Timeout = 60 * time.Second
	}
	if cfg.RequestsPerSecond > 0 || cfg.MaxConcurrentRequests > 0 {
		limited := *hc
		limited.Transport = newLimitedTransport(hc.Transport, cfg.RequestsPerSecond, cfg.Burst, cfg.MaxConcurrentRequests)
		hc = &limited
	}
	c := &Client{base: base, cfg: cfg, secrets: []string{cfg.APIKey, cfg.AuthToken}}
	c.http = &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil, // its default logger prints URLs, which hold the API key
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		RetryMax:     cfg.MaxRetries,
		CheckRetry:   checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return c, nil
}

type retryPolicyKey struct{}

// retryPolicy says which failures of one request may be retried.
type retryPolicy struct {
	// idempotent requests are retried on 5xx and on any transport error; the
	// others only where the server cannot have acted (429, refused connection).
	idempotent bool
	attempts   *int
}

func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	policy, _ := ctx.Value(retryPolicyKey{}).(*retryPolicy)
	if policy != nil {
		*policy.attempts++
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	idempotent := policy == nil || policy.idempotent
	if err != nil {
		if idempotent {
			return true, nil
		}
		return neverSent(err), nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return idempotent, nil
	}
	return false, nil
}

// neverSent reports whether a transport error happened before the request
// could reach the server, so retrying a non-idempotent request is safe.
func neverSent(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// backoff is capped exponential backoff with full jitter, or the server's
// Retry-After when it sends one.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After")); ok {
			if d > c.cfg.RetryAfterMax {
				d = c.cfg.RetryAfterMax
			}
			// A little jitter so that clients told the same second do not
			// return in lockstep.
			return d + time.Duration(rand.Int64N(int64(minWait)+1))
		}
	}
	ceiling := float64(minWait) * float64(uint64(1)<<min(attempt, 30))
	if ceiling > float64(maxWait) {
		ceiling = float64(maxWait)
	}
	// Half fixed, half random: never hammers, never waits more than the cap.
	half := int64(ceiling / 2)
	return time.Duration(half + rand.Int64N(half+1))
}

func parseRetryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && s >= 0 {
		// Beyond this many seconds time.Duration overflows to a negative wait.
		const maxSeconds = int64(math.MaxInt64 / time.Second)
		return time.Duration(min(s, maxSeconds)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// request describes one API call.
type request struct {
	method string
	path   string // relative to the base, e.g. "functions/ID/config"
	query  url.Values
	body   any     // JSON-encoded, nil for none
	code   Archive // spliced into the body as code_archive
	// idempotent requests may be retried after the server might have acted.
	idempotent bool
	// header holds extra request headers.
	header http.Header
	// sensitive values of this request (a secret's value) are scrubbed from
	// any error text, whatever the server echoes.
	sensitive []string
}

func (c *Client) url(r *request) string {
	u := *c.base
	// r.path is already escaped (an ID may hold any character): it goes in
	// RawPath as is, and decoded in Path, so that it is escaped only once.
	rel, err := url.PathUnescape(r.path)
	if err != nil {
		rel = r.path
	}
	u.Path = strings.TrimSuffix(c.base.Path, "/") + "/" + rel
	u.RawPath = strings.TrimSuffix(c.base.EscapedPath(), "/") + "/" + r.path
	q := url.Values{}
	for k, v := range r.query {
		q[k] = v
	}
	q.Set("apikey", c.cfg.APIKey)
	if c.cfg.ProjectID != "" {
		q.Set("project_id", c.cfg.ProjectID)
	}
	if c.cfg.Location != "" {
		q.Set("location", c.cfg.Location)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// do sends the request and decodes a success body (enveloped or bare) into
// out, which may be nil.
func (c *Client) do(ctx context.Context, r *request, out any) error {
	attempts := 0
	ctx = context.WithValue(ctx, retryPolicyKey{}, &retryPolicy{idempotent: r.idempotent, attempts: &attempts})
	var body any
	if r.body != nil {
		body = retryablehttp.ReaderFunc(func() (io.Reader, error) { return encodeBody(r.body, r.code) })
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, c.url(r), body)
	if err != nil {
		return c.scrub(fmt.Errorf("%s %s: building request: %w", r.method, r.path, err))
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.AuthToken)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.log(ctx, "E2E FaaS API request failed", r, map[string]any{"attempts": attempts, "duration_ms": time.Since(start).Milliseconds(), "error": c.scrubText(rootCause(err))})
		if ctxErr := ctx.Err(); ctxErr != nil {
			return &TransportError{Method: r.method, Path: r.path, Attempts: attempts, msg: ctxErr.Error(), cause: ctxErr}
		}
		return &TransportError{Method: r.method, Path: r.path, Attempts: attempts, msg: c.scrubText(rootCause(err)), cause: err}
	}
	defer resp.Body.Close()
	c.log(ctx, "E2E FaaS API request", r, map[string]any{"status": resp.StatusCode, "attempts": attempts, "duration_ms": time.Since(start).Milliseconds()})
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return &TransportError{Method: r.method, Path: r.path, Attempts: attempts, msg: "reading the answer: " + c.scrubText(rootCause(err)), cause: err}
	}
	if resp.StatusCode >= 300 {
		return c.apiError(r, resp, data)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(unwrapEnvelope(data), out); err != nil {
		return fmt.Errorf("%s %s: the API answered %d with a body that is not the expected JSON: %w", r.method, r.path, resp.StatusCode, err)
	}
	return nil
}

func (c *Client) log(ctx context.Context, msg string, r *request, fields map[string]any) {
	if c.cfg.Log == nil {
		return
	}
	fields["method"] = r.method
	fields["path"] = r.path
	c.cfg.Log(ctx, msg, fields)
}

// rootCause drops the *url.Error wrapper, whose text is the full URL with the
// API key in the query string.
func rootCause(err error) string {
	var uerr *url.Error
	for errors.As(err, &uerr) {
		err = uerr.Err
	}
	return err.Error()
}

// scrubText removes the credentials from a message as a last line of defence.
func (c *Client) scrubText(s string) string {
	for _, secret := range c.secrets {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
			s = strings.ReplaceAll(s, url.QueryEscape(secret), "[redacted]")
		}
	}
	return s
}

func scrubValues(s string, values []string) string {
	for _, v := range values {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

func (c *Client) scrub(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(c.scrubText(err.Error()))
}

type envelope struct {
	Code    *int            `json:"code"`
	Data    json.RawMessage `json:"data"`
	Message *string         `json:"message"`
	Errors  json.RawMessage `json:"errors"`
}

// unwrapEnvelope returns the data of {"code":..,"data":..,"message":..}, or
// the body itself when it is bare.
func unwrapEnvelope(data []byte) []byte {
	var env envelope
	if err := json.Unmarshal(data, &env); err == nil && env.Code != nil && env.Message != nil && len(env.Data) > 0 {
		return env.Data
	}
	return data
}

type errorBody struct {
	Code    int                 `json:"code"`
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

func (c *Client) apiError(r *request, resp *http.Response, data []byte) error {
	e := &APIError{StatusCode: resp.StatusCode, Method: r.method, Path: r.path}
	var body errorBody
	if err := json.Unmarshal(data, &body); err == nil {
		e.Message = body.Message
		e.Fields = body.Errors
	} else if text := strings.TrimSpace(string(data)); text != "" {
		// Scrub before cutting: a credential across the cut would
		// otherwise keep all but its last bytes.
		text = scrubValues(c.scrubText(text), r.sensitive)
		if len(text) > 200 {
			text = text[:200] + "…"
		}
		e.Message = text
	}
	e.Message = scrubValues(c.scrubText(e.Message), r.sensitive)
	for k, msgs := range e.Fields {
		for i := range msgs {
			msgs[i] = scrubValues(c.scrubText(msgs[i]), r.sensitive)
		}
		e.Fields[k] = msgs
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After")); ok {
		e.RetryAfter = d
	}
	return e
}

// encodeBody streams v as JSON, with the archive's bytes base64-encoded into
// "code_archive" as they are read: the archive is never held in memory, nor
// its base64 form, nor the JSON document.
func encodeBody(v any, code Archive) (io.Reader, error) {
	head, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if code == nil {
		return bytes.NewReader(head), nil
	}
	src, err := code.Open()
	if err != nil {
		return nil, fmt.Errorf("opening the code archive: %w", err)
	}
	head = bytes.TrimSuffix(head, []byte("}"))
	if len(head) > 1 {
		head = append(head, ',')
	}
	head = append(head, `"code_archive":"`...)
	pr, pw := io.Pipe()
	go func() {
		defer src.Close()
		enc := base64.NewEncoder(base64.StdEncoding, pw)
		_, err := io.Copy(enc, src)
		if err == nil {
			err = enc.Close()
		}
		if err != nil {
			pw.CloseWithError(fmt.Errorf("reading the code archive: %w", err))
			return
		}
		pw.Close()
	}()
	return &streamBody{Reader: io.MultiReader(bytes.NewReader(head), pr, strings.NewReader(`"}`)), pipe: pr}, nil
}

// streamBody lets the transport's Close stop the encoding goroutine when a
// request ends early.
type streamBody struct {
	io.Reader
	pipe *io.PipeReader
}

func (b *streamBody) Close() error { return b.pipe.Close() }
