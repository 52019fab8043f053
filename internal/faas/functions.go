package faas

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"
)

func functionPath(id string, sub ...string) string {
	p := "functions/" + url.PathEscape(id)
	for _, s := range sub {
		p += "/" + s
	}
	return p
}

// CreateFunction sends POST functions with an Idempotency-Key, so that a
// create whose answer was lost is never carried out twice and never leaves a
// function nobody tracks:
//
//   - an answer that proves nothing was done (a 4xx, 429, a refused
//     connection) is handled as for any request; a 409 is a *NameTakenError;
//   - after an ambiguous failure (a dropped connection, a 5xx, a 2xx whose
//     body is not a function with an id) the function of that name is
//     looked up: if it carries this create's key, it is the one this call
//     made and is returned; if it carries another, it is somebody else's and
//     the error says so (*NameTakenError); if it carries none (an API that
//     does not report create_request_id), it is adopted (Adopted set) when
//     its runtime and hardware are the request's, and somebody else's
//     otherwise; if there is none, the POST is sent again with the same key,
//     which the server answers with the function it made if the first POST
//     did arrive.
//
// The answer may be the short create response; callers GET the rest.
func (c *Client) CreateFunction(ctx context.Context, req *CreateFunctionRequest) (*Function, error) {
	if req.Code == nil {
		return nil, errors.New("create function: no code archive")
	}
	body := *req
	body.Environment, body.Secrets = emptyMap(req.Environment), emptyList(req.Secrets)
	body.Labels, body.Annotations = emptyMap(req.Labels), emptyMap(req.Annotations)
	if body.IdempotencyKey == "" {
		body.IdempotencyKey = newRequestID()
	}
	post := &request{
		method: http.MethodPost, path: "functions", body: &body, code: req.Code,
		header: http.Header{"Idempotency-Key": {body.IdempotencyKey}},
	}
	var lastErr error
	for attempt := 0; attempt <= c.cfg.MaxRetries; attempt++ {
		var f Function
		err := c.do(ctx, post, &f)
		if err == nil && f.ID == "" {
			err = &unreadableError{msg: "POST functions: the API's success answer carries no function id"}
		}
		if err == nil {
			return &f, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		conflictAfterAmbiguity := attempt > 0 && IsConflict(err)
		if !ambiguous(err) && !conflictAfterAmbiguity {
			if IsConflict(err) {
				return nil, c.nameTaken(ctx, req.Name, err)
			}
			return nil, err
		}
		lastErr = err
		found, ferr := c.FindFunction(ctx, req.Name, "")
		switch {
		case ferr == nil:
			return c.claim(ctx, found, req, body.IdempotencyKey, err)
		case !IsNotFound(ferr):
			return nil, fmt.Errorf("%w; looking the function up afterwards also failed: %v", err, ferr)
		}
		if err := sleepCtx(ctx, c.backoff(c.cfg.RetryWaitMin, c.cfg.RetryWaitMax, attempt, nil)); err != nil {
			return nil, lastErr
		}
	}
	return nil, lastErr
}

// claim decides whether the function found under the name after an
// ambiguous create is this create's.
func (c *Client) claim(ctx context.Context, found *Function, req *CreateFunctionRequest, key string, cause error) (*Function, error) {
	switch {
	case found.CreateRequestID == key:
		return found, nil
	case found.CreateRequestID != "":
		return nil, &NameTakenError{Name: req.Name, Existing: found, Cause: cause}
	}
	// No proof either way: the runtime and hardware decide, which the short
	// list entry may not carry.
	full := found
	if !found.Complete() {
		var err error
		if full, err = c.GetFunction(ctx, found.ID); err != nil {
			return nil, fmt.Errorf("%w; reading the function named %q that exists afterwards also failed: %v", cause, req.Name, err)
		}
	}
	if !matchesRequest(full, req.Runtime, req.Config) {
		return nil, &NameTakenError{Name: req.Name, Existing: full, Cause: cause}
	}
	full.Adopted = true
	return full, nil
}

// matchesRequest reports whether a function found under the name could be
// the one a create with this runtime and config made: its runtime must be
// known and the same, its hardware the same wherever both are known. Other
// settings are brought to the configuration by the caller.
func matchesRequest(f *Function, runtime string, cfg *FunctionConfig) bool {
	if !f.Carries(FieldRuntime) || f.Runtime == "" || f.Runtime != runtime {
		return false
	}
	want, got := "", ""
	if cfg != nil {
		want = cfg.HardwareType
	}
	if f.Config != nil && f.Carries(FieldHardware) {
		got = f.Config.HardwareType
	}
	return want == "" || got == "" || want == got
}

// ambiguous reports whether the server may have carried out a request that
// failed.
func ambiguous(err error) bool {
	if errors.Is(err, errUnreadableAnswer) {
		return true
	}
	var transport *TransportError
	if errors.As(err, &transport) {
		return !neverSent(transport.cause)
	}
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode >= 500 && apiErr.StatusCode != http.StatusNotImplemented
}

func (c *Client) nameTaken(ctx context.Context, name string, cause error) error {
	found, err := c.FindFunction(ctx, name, "")
	if err != nil {
		return cause
	}
	return &NameTakenError{Name: name, Existing: found, Cause: cause}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// GetFunction sends GET functions/{id}.
func (c *Client) GetFunction(ctx context.Context, id string) (*Function, error) {
	var f Function
	if err := c.do(ctx, &request{method: http.MethodGet, path: functionPath(id), idempotent: true}, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// ListFunctions sends GET functions for one page.
func (c *Client) ListFunctions(ctx context.Context, opts ListFunctionsOptions) (*FunctionList, error) {
	q := url.Values{}
	if opts.Name != "" {
		q.Set("name", opts.Name)
	}
	keys := make([]string, 0, len(opts.Labels))
	for k := range opts.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q.Add("label", k+"="+opts.Labels[k])
	}
	if opts.Page > 0 {
		q.Set("page", strconv.Itoa(opts.Page))
	}
	if opts.PerPage > 0 {
		q.Set("per_page", strconv.Itoa(opts.PerPage))
	}
	var list FunctionList
	if err := c.do(ctx, &request{method: http.MethodGet, path: "functions", query: q, idempotent: true}, &list); err != nil {
		return nil, err
	}
	return &list, nil
}

// ListAllFunctions follows the pages of GET functions to the end.
func (c *Client) ListAllFunctions(ctx context.Context, opts ListFunctionsOptions) ([]Function, error) {
	if opts.PerPage == 0 {
		opts.PerPage = 200
	}
	var all []Function
	for page := 1; ; page++ {
		opts.Page = page
		list, err := c.ListFunctions(ctx, opts)
		if err != nil {
			return nil, err
		}
		all = append(all, list.Functions...)
		if len(list.Functions) == 0 || len(all) >= list.Total {
			return all, nil
		}
	}
}

// FindFunction finds a function by name, and by namespace when it is not
// empty. It answers an error matching ErrNotFound when there is none.
func (c *Client) FindFunction(ctx context.Context, name, namespace string) (*Function, error) {
	fns, err := c.ListAllFunctions(ctx, ListFunctionsOptions{Name: name})
	if err != nil {
		return nil, err
	}
	var found []Function
	for _, f := range fns {
		if f.Name == name && (namespace == "" || f.Namespace == namespace) {
			found = append(found, f)
		}
	}
	switch len(found) {
	case 0:
		where := ""
		if namespace != "" {
			where = " in namespace " + namespace
		}
		return nil, &APIError{StatusCode: http.StatusNotFound, Method: http.MethodGet, Path: "functions", Message: fmt.Sprintf("no function named %q%s", name, where)}
	case 1:
		return &found[0], nil
	}
	return nil, fmt.Errorf("%d functions are named %q; give the namespace too", len(found), name)
}

// UpdateFunction sends PUT functions/{id}: everything but the name; redeploys.
func (c *Client) UpdateFunction(ctx context.Context, id string, req *UpdateFunctionRequest) (*Function, error) {
	body := *req
	body.Environment, body.Secrets = emptyMap(req.Environment), emptyList(req.Secrets)
	body.Labels, body.Annotations = emptyMap(req.Labels), emptyMap(req.Annotations)
	return c.change(ctx, &request{method: http.MethodPut, path: functionPath(id), body: &body, code: req.Code, idempotent: true})
}

// UpdateFunctionCode sends PUT functions/{id}/code; redeploys.
func (c *Client) UpdateFunctionCode(ctx context.Context, id string, req *CodeUpdate) (*Function, error) {
	if req.Code == nil {
		return nil, errors.New("update function code: no code archive")
	}
	return c.change(ctx, &request{method: http.MethodPut, path: functionPath(id, "code"), body: req, code: req.Code, idempotent: true})
}

// UpdateFunctionConfig sends PUT functions/{id}/config; redeploys.
func (c *Client) UpdateFunctionConfig(ctx context.Context, id string, cfg *FunctionConfig) (*Function, error) {
	return c.change(ctx, &request{method: http.MethodPut, path: functionPath(id, "config"), body: cfg, idempotent: true})
}

// UpdateFunctionEnvironment sends PUT functions/{id}/environment; redeploys.
func (c *Client) UpdateFunctionEnvironment(ctx context.Context, id string, req *EnvironmentUpdate) (*Function, error) {
	body := EnvironmentUpdate{Environment: emptyMap(req.Environment), Secrets: emptyList(req.Secrets)}
	return c.change(ctx, &request{method: http.MethodPut, path: functionPath(id, "environment"), body: &body, idempotent: true})
}

// UpdateFunctionMetadata sends PUT functions/{id}/metadata; no redeploy.
func (c *Client) UpdateFunctionMetadata(ctx context.Context, id string, req *MetadataUpdate) (*Function, error) {
	body := MetadataUpdate{Labels: emptyMap(req.Labels), Annotations: emptyMap(req.Annotations)}
	return c.change(ctx, &request{method: http.MethodPut, path: functionPath(id, "metadata"), body: &body, idempotent: true})
}

// DeployFunction sends POST functions/{id}/deploy: redeploying the same code
// twice is harmless, so it is retried like an idempotent request.
func (c *Client) DeployFunction(ctx context.Context, id string) (*Function, error) {
	return c.change(ctx, &request{method: http.MethodPost, path: functionPath(id, "deploy"), idempotent: true})
}

// ScaleFunction sends POST functions/{id}/scale; setting a count is
// idempotent.
func (c *Client) ScaleFunction(ctx context.Context, id string, replicas int64) (*Function, error) {
	return c.change(ctx, &request{method: http.MethodPost, path: functionPath(id, "scale"), body: &scaleBody{Replicas: replicas}, idempotent: true})
}

// DeleteFunction sends DELETE functions/{id}. The function then reads
// Deleting until it is gone.
func (c *Client) DeleteFunction(ctx context.Context, id string) (*Function, error) {
	return c.change(ctx, &request{method: http.MethodDelete, path: functionPath(id), idempotent: true})
}

// The contract's maps and lists are not nullable: a nil one is sent as empty,
// which also tells the full-replace PUTs to clear it.
func emptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func emptyList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func (c *Client) change(ctx context.Context, r *request) (*Function, error) {
	var f Function
	if err := c.do(ctx, r, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// GetFunctionLogs sends GET functions/{id}/logs.
func (c *Client) GetFunctionLogs(ctx context.Context, id string, opts LogOptions) ([]LogEntry, error) {
	q := url.Values{}
	if opts.Since != "" {
		q.Set("since", opts.Since)
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	var body logsBody
	if err := c.do(ctx, &request{method: http.MethodGet, path: functionPath(id, "logs"), query: q, idempotent: true}, &body); err != nil {
		return nil, err
	}
	return body.Logs, nil
}

// GetFunctionMetrics sends GET functions/{id}/metrics.
func (c *Client) GetFunctionMetrics(ctx context.Context, id string) (*Metrics, error) {
	var m Metrics
	if err := c.do(ctx, &request{method: http.MethodGet, path: functionPath(id, "metrics"), idempotent: true}, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// newRequestID is a random UUID (version 4) for an Idempotency-Key.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
