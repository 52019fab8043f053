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

// The HTTP core both dialects share: configuration, authentication, retries
// and their limits, logging, redaction and the transport errors. Each dialect
// adds its paths, payloads and its reading of an answer.

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
}

// newCore checks the configuration shared by both dialects, fills in the
// defaults and builds the retrying HTTP client.
func newCore(cfg Config, defaultEndpoint string) (*core, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = defaultEndpoint
	}
	if !strings.HasSuffix(cfg.Endpoint, "/") {
		cfg.Endpoint += "/"
	}
	c := &core{secrets: []string{cfg.APIKey, cfg.AuthToken}}
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
	if errors.Is(err, errNotSent) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// backoff is capped exponential backoff with full jitter, or the server's
// Retry-After when it sends one.
func (c *core) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
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
}

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
	ctx = context.WithValue(ctx, retryPolicyKey{}, &retryPolicy{idempotent: r.idempotent, attempts: &attempts})
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
		te := &TransportError{Method: r.method, Path: r.path, Attempts: attempts, msg: what + c.scrubText(rootCause(err)), cause: err}
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
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, failed("reading the answer: ", err)
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

func (c *core) log(ctx context.Context, msg string, r *request, fields map[string]any) {
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
func (c *core) scrubText(s string) string {
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

func (c *core) scrub(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(c.scrubText(err.Error()))
}

// apiError builds the *APIError of a failed answer from what the body said,
// scrubbed of the credentials and of the request's sensitive values.
func (c *core) apiError(r *request, status int, header http.Header, message string, fields map[string][]string) *APIError {
	clean := func(s string) string { return scrubValues(c.scrubText(s), r.sensitive) }
	e := &APIError{StatusCode: status, Method: r.method, Path: r.path, Message: clean(message)}
	for k, msgs := range fields {
		if e.Fields == nil {
			e.Fields = map[string][]string{}
		}
		cleaned := make([]string, len(msgs))
		for i, m := range msgs {
			cleaned[i] = clean(m)
		}
		e.Fields[clean(k)] = cleaned
	}
	if d, ok := parseRetryAfter(header.Get("Retry-After")); ok {
		e.RetryAfter = d
	}
	return e
}

// errorText is what a failed answer says: the message and per-field problems
// of a JSON object, else the start of the body's text.
func (c *core) errorText(r *request, data []byte) (message string, fields map[string][]string) {
	var body struct {
		Message json.RawMessage `json:"message"`
		Errors  json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(data, &body); err == nil {
		return lenientString(body.Message), lenientFields(body.Errors)
	}
	text := strings.TrimSpace(string(data))
	// Scrub before cutting: a credential across the cut would otherwise keep
	// all but its last bytes.
	text = scrubValues(c.scrubText(text), r.sensitive)
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	return text, nil
}

// lenientString is a JSON string's value, or the JSON text of anything else
// but null.
func lenientString(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// lenientFields reads "errors" as per-field problems: an object of lists of
// strings, or of strings, or a mix. Anything else says nothing per field.
func lenientFields(raw json.RawMessage) map[string][]string {
	var byField map[string]json.RawMessage
	if json.Unmarshal(raw, &byField) != nil || len(byField) == 0 {
		return nil
	}
	fields := map[string][]string{}
	for k, v := range byField {
		var list []json.RawMessage
		if json.Unmarshal(v, &list) == nil {
			for _, item := range list {
				if s := lenientString(item); s != "" {
					fields[k] = append(fields[k], s)
				}
			}
		} else if s := lenientString(v); s != "" {
			fields[k] = []string{s}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return fields
}

// errUnreadableAnswer marks a success answer whose body is not what the
// request expects: for a create, it leaves open whether anything was made.
var errUnreadableAnswer = errors.New("unreadable answer")

// unreadableError is an answer whose body is not the JSON expected; it
// matches errUnreadableAnswer.
type unreadableError struct {
	msg   string
	cause error
}

func unreadable(r *request, status int, why error) error {
	return &unreadableError{msg: fmt.Sprintf("%s %s: the API answered %d with a body that is not the expected JSON: %v", r.method, r.path, status, why), cause: why}
}

func (e *unreadableError) Error() string        { return e.msg }
func (e *unreadableError) Unwrap() error        { return e.cause }
func (e *unreadableError) Is(target error) bool { return target == errUnreadableAnswer }

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
