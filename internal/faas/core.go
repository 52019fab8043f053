// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// The HTTP core both dialects share: configuration, authentication, the
// sending of a request with its retries and time limits, logging and the
// transport errors. What is retried is in retry.go, the redaction of
// credentials in redaction.go, request bodies in body.go and the reading of
// answers in envelope.go; each dialect adds its paths and payloads.

// LogFunc receives one line per request, once its retries are over, with the
// number of attempts made. Fields never hold credentials or bodies.
type LogFunc func(ctx context.Context, msg string, fields map[string]any)

// Config configures a Client or a MyAccountClient.
type Config struct {
	// Endpoint is the API base, e.g. DefaultEndpoint; a missing trailing slash
	// is added.
	Endpoint  string
	APIKey    string
	AuthToken string
	ProjectID string
	Location  string
	UserAgent string

	// HTTPClient is the transport; nil means a pooled client. The attempt
	// timeouts below apply whichever it is.
	HTTPClient *http.Client
	// MaxRetries for retryable failures (default 5); RetryWaitMin and
	// RetryWaitMax bound the jittered exponential backoff (defaults 250 ms and
	// 15 s). Retry-After from the server is honoured up to RetryAfterMax
	// (default 60 s).
	MaxRetries    int
	RetryWaitMin  time.Duration
	RetryWaitMax  time.Duration
	RetryAfterMax time.Duration
	// AttemptTimeout bounds one HTTP attempt, from sending to the end of the
	// answer (default 30 s); UploadAttemptTimeout does so for an attempt that
	// uploads a code archive (default 90 s). RequestTimeout bounds one
	// request with all its attempts and backoffs (default 2 min), so an API
	// that accepts connections and never answers costs at most that.
	AttemptTimeout       time.Duration
	UploadAttemptTimeout time.Duration
	RequestTimeout       time.Duration
	// RequestsPerSecond and Burst limit the rate of HTTP attempts (retries
	// and polls included) across every caller of this client; zero means no
	// limit. MaxConcurrentRequests bounds the attempts in flight; zero means
	// no bound. One provider instance shares one client, so 100 functions
	// applied at once stay within what the API accepts.
	RequestsPerSecond     float64
	Burst                 int
	MaxConcurrentRequests int
	// ConflictPoll is how the myaccount dialect polls while it waits for a
	// deploy to end before sending again an update or delete the API refused
	// mid-deploy (409); zero values take DefaultPoll's.
	ConflictPoll Poll
	// Log, if set, receives one line per request (not per retry).
	Log LogFunc
}

// Defaults of the time limits of a request.
const (
	DefaultAttemptTimeout       = 30 * time.Second
	DefaultUploadAttemptTimeout = 90 * time.Second
	DefaultRequestTimeout       = 2 * time.Minute
)

// core sends requests and gets answers; it does not read them.
type core struct {
	base    *url.URL
	cfg     Config
	http    *retryablehttp.Client
	secrets []string
	// dialect is the API the client speaks; under myaccount failures come
	// in the body's envelope code too, which the retry rule reads.
	dialect Dialect
}

// newCore checks the configuration shared by both dialects, fills in the
// defaults and builds the retrying HTTP client.
func newCore(cfg Config, defaultEndpoint string, dialect Dialect) (*core, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = defaultEndpoint
	}
	if !strings.HasSuffix(cfg.Endpoint, "/") {
		cfg.Endpoint += "/"
	}
	c := &core{secrets: []string{cfg.APIKey, cfg.AuthToken}, dialect: dialect}
	base, err := url.Parse(cfg.Endpoint)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		// The endpoint may hold the credentials the next check refuses.
		return nil, fmt.Errorf("endpoint %q is not an http(s) URL with a host", c.scrubText(cfg.Endpoint))
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
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = DefaultAttemptTimeout
	}
	if cfg.UploadAttemptTimeout <= 0 {
		cfg.UploadAttemptTimeout = DefaultUploadAttemptTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "terraform-provider-e2e"
	}
	hc := cfg.HTTPClient
	if hc == nil {
		// No client-wide timeout: attemptTransport sets one per attempt.
		hc = cleanhttp.DefaultPooledClient()
	}
	timed := *hc
	// Inside the limiter: the time an attempt waits for its turn is not the
	// server's.
	timed.Transport = &attemptTransport{base: hc.Transport}
	hc = &timed
	if cfg.RequestsPerSecond > 0 || cfg.MaxConcurrentRequests > 0 {
		limited := *hc
		limited.Transport = newLimitedTransport(hc.Transport, cfg.RequestsPerSecond, cfg.Burst, cfg.MaxConcurrentRequests)
		hc = &limited
	}
	c.base, c.cfg = base, cfg
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

func (c *core) url(r *request) string {
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

// answer is an HTTP answer, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
	// attempts the request made to get it.
	attempts int
}

// maxAnswerSize bounds what is read of one answer. No answer of the API
// comes near it (a function's code is at most 50 MB, sent once); one that
// passes it is an error that says so, never an answer cut short.
const maxAnswerSize = 64 << 20

// errRequestTimeout is the cause of a TransportError whose request ran out of
// Config.RequestTimeout. It is not context.DeadlineExceeded: the caller's own
// deadline has not passed, and a wait may well try again.
var errRequestTimeout = errors.New("request timeout")

// send sends the request, with retries, within Config.RequestTimeout, and
// reads the answer. Only the failure to get an answer is an error here.
func (c *core) send(ctx context.Context, r *request) (*answer, error) {
	caller := ctx
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	attempts := 0
	policy := &retryPolicy{idempotent: r.idempotent, attempts: &attempts, enveloped: c.dialect == DialectMyAccount}
	ctx = context.WithValue(ctx, retryPolicyKey{}, policy)
	perAttempt := c.cfg.AttemptTimeout
	if r.code != nil {
		perAttempt = c.cfg.UploadAttemptTimeout
	}
	ctx = context.WithValue(ctx, attemptTimeoutKey{}, perAttempt)
	var body any
	if r.body != nil {
		body = retryablehttp.ReaderFunc(func() (io.Reader, error) { return encodeBody(r.body, r.code) })
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, c.url(r), body)
	if err != nil {
		return nil, c.scrub(fmt.Errorf("%s %s: building request: %w", r.method, r.path, err))
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
	// failed turns an error into a TransportError that says whose time ran
	// out: the caller's, the request's, or the last attempt's.
	failed := func(what string, err error) *TransportError {
		te := &TransportError{Method: r.method, Path: r.path, Endpoint: c.scrubText(c.cfg.Endpoint), Attempts: attempts, reached: policy.reached, msg: what + c.scrubText(rootCause(err)), cause: err}
		switch {
		case caller.Err() != nil:
			te.msg, te.cause = what+caller.Err().Error(), caller.Err()
		case ctx.Err() != nil:
			te.msg, te.cause = what+fmt.Sprintf("no complete answer within the request timeout of %s, retries included", c.cfg.RequestTimeout), errRequestTimeout
		}
		return te
	}
	resp, err := c.http.Do(req)
	if err != nil {
		te := failed("", err)
		c.log(ctx, "E2E FaaS API request failed", r, map[string]any{"attempts": attempts, "duration_ms": time.Since(start).Milliseconds(), "error": te.msg})
		return nil, te
	}
	defer resp.Body.Close()
	c.log(ctx, "E2E FaaS API request", r, map[string]any{"status": resp.StatusCode, "attempts": attempts, "duration_ms": time.Since(start).Milliseconds()})
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerSize+1))
	if err != nil {
		return nil, failed("reading the answer: ", err)
	}
	if len(data) > maxAnswerSize {
		// The request was carried out, or not, as the status says; what the
		// answer says cannot be known.
		return nil, &unreadableError{msg: fmt.Sprintf("%s %s: the API answered %d with a body larger than the client's limit of %d bytes; it was not read",
			r.method, r.path, resp.StatusCode, maxAnswerSize), cause: errAnswerTooLarge}
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: data, attempts: attempts}, nil
}

func (c *core) log(ctx context.Context, msg string, r *request, fields map[string]any) {
	if c.cfg.Log == nil {
		return
	}
	fields["method"] = r.method
	fields["path"] = r.path
	c.cfg.Log(ctx, msg, fields)
}
