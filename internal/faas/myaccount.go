// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

// The myaccount dialect: the API E2E serves under MyAccount. Every wire path,
// payload and answer of the dialect is spelled in this file; the wire itself
// is described in internal/api/myaccount.yaml.

// DefaultMyAccountEndpoint is E2E's MyAccount API base.
const DefaultMyAccountEndpoint = "https://api.e2enetworks.com/myaccount/api/v1/"

// DefaultMyAccountLocation is where E2E offers Functions, and E2E's CLI
// default location.
const DefaultMyAccountLocation = "Delhi"

// MyAccountClient talks to the E2E FaaS API in the myaccount dialect:
// functions are addressed by name (their ID is their name), code is the text
// of one handler file, and one PUT replaces every setting. It is safe for
// concurrent use.
type MyAccountClient struct {
	*core
	waiter
}

// NewMyAccount checks the configuration and builds a MyAccountClient. Every
// MyAccount request names its project and location, so both are required.
func NewMyAccount(cfg Config) (*MyAccountClient, error) {
	c, err := newCore(cfg, DefaultMyAccountEndpoint, DialectMyAccount)
	if err != nil {
		return nil, err
	}
	if !catalogue.IsProjectID(c.cfg.ProjectID) {
		return nil, fmt.Errorf("project_id must be a positive integer for the MyAccount API, not %q", c.scrubText(c.cfg.ProjectID))
	}
	if strings.TrimSpace(c.cfg.Location) == "" {
		return nil, errors.New("location must be set for the MyAccount API (for example Delhi)")
	}
	myAccount := &MyAccountClient{core: c}
	myAccount.waiter = waiter{get: myAccount.GetFunction, clock: new(deployClock)}
	return myAccount, nil
}

// Wire paths, relative to the base; every one ends in a slash.
const (
	myAccountRuntimesPath  = "faas/runtimes/"
	myAccountFunctionsPath = "faas/functions/"
)

func myAccountFunctionPath(name string) string { return "faas/function/" + url.PathEscape(name) + "/" }

func myAccountHandlerFilePath(name string) string {
	return "faas/handler_file/" + url.PathEscape(name) + "/"
}

// myAccountCreateBody is the body of POST faas/functions/: exactly these
// keys, the update's among them.
type myAccountCreateBody struct {
	Function  string   `json:"function"`
	Runtime   string   `json:"runtime"`
	Arguments struct{} `json:"arguments"`
	NodeType  string   `json:"node_type"`
	myAccountUpdateBody
}

// myAccountUpdateBody is the body of PUT faas/handler_file/{name}/: exactly these
// keys. Name, runtime and node type cannot change.
type myAccountUpdateBody struct {
	Code                 string            `json:"code"`
	Params               struct{}          `json:"params"`
	Requirements         string            `json:"requirements"`
	EnvironmentVariables map[string]string `json:"environment_variables"`
	Secrets              []string          `json:"secrets"`
	Memory               int64             `json:"memory"`
	Timeout              int64             `json:"timeout"`
}

// myAccountSettings is what a create and an update both send of spec.
func myAccountSettings(spec *FunctionSpec) myAccountUpdateBody {
	return myAccountUpdateBody{
		Code: spec.CodeText, Requirements: spec.Requirements,
		EnvironmentVariables: emptyMap(spec.Environment), Secrets: emptyList(spec.Secrets),
		Memory: spec.Config.MemoryMB, Timeout: spec.Config.TimeoutSeconds,
	}
}

// myAccountDeleteBody is the body of DELETE faas/function/{name}/.
type myAccountDeleteBody struct {
	Function string `json:"function"`
}

// myAccountRuntime is one entry of GET faas/runtimes/.
type myAccountRuntime struct {
	Runtime          string `json:"runtime"`
	NodeType         string `json:"node_type"`
	BoilerCode       string `json:"boiler_code"`
	Label            string `json:"label"`
	RequirementsCode string `json:"requirements_code"`
}

// CreateFunction sends POST faas/functions/ and then reads the function, as
// the create's answer says nothing dependable about it. The API has no
// idempotency key, so a create whose answer was lost is resolved by the
// name: after an ambiguous failure (a dropped connection, a 5xx, an answer
// that is not an envelope) the function of that name is read; one that
// matches what was sent (matchesRequest: code, runtime, memory, timeout,
// environment) is adopted (Adopted set), any other is a *NameTakenError and
// left as it is; when there is none, the POST is sent again. A 409 on the
// first POST is a *NameTakenError.
//
// Fields the dialect has no key for (template, handler function, scaling,
// labels, annotations) are not sent; Capabilities says which those are.
func (c *MyAccountClient) CreateFunction(ctx context.Context, req *CreateFunctionRequest) (*Function, error) {
	if err := checkSingleFile("create function", "memory, timeout and hardware", &req.FunctionSpec); err != nil {
		return nil, err
	}
	post := &request{method: http.MethodPost, path: myAccountFunctionsPath, body: &myAccountCreateBody{
		Function: req.Name, Runtime: req.Runtime, NodeType: req.Config.HardwareType,
		myAccountUpdateBody: myAccountSettings(&req.FunctionSpec),
	}}
	return c.createOrAdopt(ctx, creation{
		name: req.Name,
		post: func(ctx context.Context) (*Function, error) {
			if _, err := c.do(ctx, post); err != nil {
				return nil, err
			}
			return c.created(ctx, req.Name)
		},
		lookUp: c.lookUp,
		claim: func(_ context.Context, found *Function, cause error) (*Function, error) {
			return adoptIfMatching(found, req, cause)
		},
		nameTaken: c.nameTaken,
	})
}

// checkSingleFile refuses, before any request, a spec the dialect cannot
// send: code that is an archive or missing, or no config, which must hold
// what the operation sends.
func checkSingleFile(op, config string, s *FunctionSpec) error {
	if s.CodeText == "" {
		if s.Code != nil {
			return fmt.Errorf("%s: a code archive is %w; the MyAccount API takes the text of one handler file", op, ErrUnsupported)
		}
		return fmt.Errorf("%s: no handler code", op)
	}
	if s.Config == nil {
		return fmt.Errorf("%s: no %s (config)", op, config)
	}
	return nil
}

// created reads the function a create made. Whatever the read answers, the
// create did happen: a function not visible yet, or a read that fails, gives
// the minimal function, which the caller's wait reads again.
func (c *MyAccountClient) created(ctx context.Context, name string) (*Function, error) {
	if f, err := c.GetFunction(ctx, name); err == nil {
		return f, nil
	}
	return &Function{ID: name, Name: name, Status: StatusDeploying, Fields: map[Field]bool{}}, nil
}

// lookUp reads the function of a name for a create that may have made it.
// The runtime decides whether it is the create's: when the single read
// does not carry it, the list, which does, supplies it.
func (c *MyAccountClient) lookUp(ctx context.Context, name string) (*Function, error) {
	f, err := c.GetFunction(ctx, name)
	if err != nil || f.Carries(FieldRuntime) {
		return f, err
	}
	// A list that fails leaves the runtime unknown, which refuses adoption.
	if fns, lerr := c.ListAllFunctions(ctx, ListFunctionsOptions{Name: name}); lerr == nil {
		for _, other := range fns {
			if other.Carries(FieldRuntime) {
				f.Runtime = other.Runtime
				f.Fields[FieldRuntime] = true
			}
		}
	}
	return f, nil
}

// nameTaken is the error of a create refused outright (409): the function
// of that name as far as it can be read, and at least its name, which is its
// ID.
func (c *MyAccountClient) nameTaken(ctx context.Context, name string, cause error) error {
	found, err := c.GetFunction(ctx, name)
	if err != nil {
		found = &Function{ID: name, Name: name, Fields: map[Field]bool{}}
	}
	return &NameTakenError{Name: name, Existing: found, Cause: cause}
}

// ConfirmNotFound checks that a not-found comes from the API itself
// (confirmNotFound).
func (c *MyAccountClient) ConfirmNotFound(ctx context.Context, notFound error) error {
	return c.confirmNotFound(ctx, notFound, func(ctx context.Context) error { _, err := c.ListRuntimes(ctx); return err })
}

// GetFunction sends GET faas/function/{name}/.
func (c *MyAccountClient) GetFunction(ctx context.Context, id string) (*Function, error) {
	r := &request{method: http.MethodGet, path: myAccountFunctionPath(id), idempotent: true}
	data, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	f, err := decodeMyAccountFunction(data, id)
	if err != nil {
		return nil, unreadable(r, http.StatusOK, err)
	}
	return f, nil
}

// FindFunction is GetFunction: names are unique and there are no namespaces.
func (c *MyAccountClient) FindFunction(ctx context.Context, name, _ string) (*Function, error) {
	return c.GetFunction(ctx, name)
}

// ListAllFunctions sends GET faas/functions/, which has no paging and no
// filters: the name is matched here, and labels are ErrUnsupported. Each
// function carries only its name, runtime, status and URL.
func (c *MyAccountClient) ListAllFunctions(ctx context.Context, opts ListFunctionsOptions) ([]Function, error) {
	if len(opts.Labels) > 0 {
		return nil, fmt.Errorf("list functions by label: %w", ErrUnsupported)
	}
	r := &request{method: http.MethodGet, path: myAccountFunctionsPath, idempotent: true}
	data, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var items []json.RawMessage
	if err := decodeData(data, &items); err != nil {
		return nil, unreadable(r, http.StatusOK, err)
	}
	fns := []Function{}
	for _, item := range items {
		f, err := decodeMyAccountFunction(item, "")
		if err != nil {
			return nil, unreadable(r, http.StatusOK, err)
		}
		if opts.Name == "" || f.Name == opts.Name {
			fns = append(fns, *f)
		}
	}
	return fns, nil
}

// UpdateFunction sends PUT faas/handler_file/{name}/, which replaces the
// code, requirements, environment, secrets, memory and timeout, and
// redeploys. The API refuses it (409) while a deploy runs: then it waits for
// the deploy to end and sends it once more. Runtime and hardware cannot
// change; they are not sent.
func (c *MyAccountClient) UpdateFunction(ctx context.Context, id string, req *UpdateFunctionRequest) (*Function, error) {
	if err := checkSingleFile("update function", "memory and timeout", req); err != nil {
		return nil, err
	}
	body := myAccountSettings(req)
	data, err := c.doWhenSettled(ctx, id, &request{method: http.MethodPut, path: myAccountHandlerFilePath(id), idempotent: true, body: &body})
	if err != nil {
		return nil, err
	}
	if f := functionIn(data, id); f != nil {
		return f, nil
	}
	// The update is made; what its answer lacks, a read supplies.
	return c.created(ctx, id)
}

// DeleteFunction sends DELETE faas/function/{name}/, waiting for a deploy in
// progress to end first when the API refuses it (409). The function then
// reads Deleting until it is gone.
func (c *MyAccountClient) DeleteFunction(ctx context.Context, id string) (*Function, error) {
	data, err := c.doWhenSettled(ctx, id, &request{
		method: http.MethodDelete, path: myAccountFunctionPath(id), body: &myAccountDeleteBody{Function: id}, idempotent: true,
	})
	if err != nil {
		return nil, err
	}
	if f := functionIn(data, id); f != nil {
		return f, nil
	}
	return &Function{ID: id, Name: id, Status: StatusDeleting, Fields: map[Field]bool{}}, nil
}

// doWhenSettled sends a request the API refuses while the function deploys:
// after a 409 it waits until the function is no longer deploying and sends
// the request once more.
func (c *MyAccountClient) doWhenSettled(ctx context.Context, name string, r *request) (json.RawMessage, error) {
	data, err := c.do(ctx, r)
	if !IsConflict(err) {
		return data, err
	}
	if _, werr := c.WaitUntilSettled(ctx, name, c.cfg.ConflictPoll); werr != nil {
		if IsNotFound(werr) {
			return nil, werr
		}
		return nil, fmt.Errorf("%w; waiting for the deploy in progress to end failed: %v", err, werr)
	}
	return c.do(ctx, r)
}

// functionIn is the function an answer's data holds, if it holds one with a
// status; nil otherwise.
func functionIn(data json.RawMessage, name string) *Function {
	f, err := decodeMyAccountFunction(data, name)
	if err != nil || f.Status == "" {
		return nil
	}
	return f
}

// ListRuntimes sends GET faas/runtimes/. Each runtime belongs to one node
// type, its only hardware; there are no templates.
func (c *MyAccountClient) ListRuntimes(ctx context.Context) ([]Runtime, error) {
	r := &request{method: http.MethodGet, path: myAccountRuntimesPath, idempotent: true}
	data, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var items []myAccountRuntime
	if err := decodeData(data, &items); err != nil {
		return nil, unreadable(r, http.StatusOK, err)
	}
	runtimes := make([]Runtime, 0, len(items))
	for _, it := range items {
		rt := Runtime{Name: it.Runtime, BoilerCode: it.BoilerCode, RequirementsFile: it.Label, RequirementsCode: it.RequirementsCode}
		if it.NodeType != "" {
			rt.Hardware = []string{it.NodeType}
		}
		runtimes = append(runtimes, rt)
	}
	return runtimes, nil
}

func unsupported(what string) error {
	return fmt.Errorf("%s: %w (the MyAccount API has no endpoint for it)", what, ErrUnsupported)
}

// UpdateFunctionCode is ErrUnsupported: UpdateFunction replaces everything.
func (c *MyAccountClient) UpdateFunctionCode(context.Context, string, *CodeUpdate) (*Function, error) {
	return nil, unsupported("update function code alone")
}

// UpdateFunctionConfig is ErrUnsupported: UpdateFunction replaces everything.
func (c *MyAccountClient) UpdateFunctionConfig(context.Context, string, *FunctionConfig) (*Function, error) {
	return nil, unsupported("update function config alone")
}

// UpdateFunctionEnvironment is ErrUnsupported: UpdateFunction replaces
// everything.
func (c *MyAccountClient) UpdateFunctionEnvironment(context.Context, string, *EnvironmentUpdate) (*Function, error) {
	return nil, unsupported("update function environment alone")
}

// UpdateFunctionMetadata is ErrUnsupported: there are no labels or
// annotations.
func (c *MyAccountClient) UpdateFunctionMetadata(context.Context, string, *MetadataUpdate) (*Function, error) {
	return nil, unsupported("update function labels and annotations")
}

// DeployFunction is ErrUnsupported: UpdateFunction redeploys.
func (c *MyAccountClient) DeployFunction(context.Context, string) (*Function, error) {
	return nil, unsupported("redeploy function")
}

// CreateSecret is ErrUnsupported.
func (c *MyAccountClient) CreateSecret(context.Context, *CreateSecretRequest) (*Secret, error) {
	return nil, unsupported("create secret")
}

// ListSecrets is ErrUnsupported.
func (c *MyAccountClient) ListSecrets(context.Context) ([]Secret, error) {
	return nil, unsupported("list secrets")
}

// UpdateSecret is ErrUnsupported.
func (c *MyAccountClient) UpdateSecret(context.Context, string, string) (*SecretRotation, error) {
	return nil, unsupported("rotate secret")
}

// DeleteSecret is ErrUnsupported.
func (c *MyAccountClient) DeleteSecret(context.Context, string) error {
	return unsupported("delete secret")
}

// decodeMyAccountFunction reads a function object of which only name and
// status are sure: Fields records every other key the answer carried with a
// usable value (null or a value of another type counts as absent). name
// stands in for an object without one.
func decodeMyAccountFunction(data json.RawMessage, name string) (*Function, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return nil, errors.New("the data is not a function object")
	}
	if s, ok := wireString(raw, "name"); ok && s != "" {
		name = s
	}
	if name == "" {
		return nil, errors.New("a function without a name")
	}
	f := &Function{ID: name, Name: name, Config: &FunctionConfig{}, Fields: map[Field]bool{}}
	status, _ := wireString(raw, "status")
	f.Status = normalizeStatus(status)
	if s, ok := wireString(raw, "runtime"); ok {
		f.Runtime, f.Fields[FieldRuntime] = s, true
	}
	if s, ok := wireString(raw, "node_type"); ok {
		f.Config.HardwareType, f.Fields[FieldHardware] = s, true
	}
	if s, ok := wireString(raw, "url"); ok {
		f.InvokeURL, f.Fields[FieldInvokeURL] = s, true
	}
	if n, ok := wireInt(raw, "memory"); ok {
		f.Config.MemoryMB, f.Fields[FieldMemory] = n, true
	}
	if n, ok := wireInt(raw, "timeout"); ok {
		f.Config.TimeoutSeconds, f.Fields[FieldTimeout] = n, true
	}
	if s, ok := wireString(raw, "code"); ok {
		sum := sha256.Sum256([]byte(s))
		f.Code, f.CodeSHA256, f.Fields[FieldCode] = s, hex.EncodeToString(sum[:]), true
	}
	if s, ok := wireString(raw, "requirements"); ok {
		f.Requirements, f.Fields[FieldRequirements] = s, true
	}
	if v, ok := wireValue(raw, "environment_variables"); ok {
		var env map[string]string
		if json.Unmarshal(v, &env) == nil && env != nil {
			f.Environment, f.Fields[FieldEnvironment] = env, true
		}
	}
	if v, ok := wireValue(raw, "secrets"); ok {
		if names, ok := secretNames(v); ok {
			f.Secrets, f.Fields[FieldSecrets] = names, true
		}
	}
	f.ErrorMessage, _ = wireString(raw, "error_message")
	f.CreatedAt, _ = wireString(raw, "created_at")
	f.UpdatedAt, _ = wireString(raw, "updated_at")
	return f, nil
}

// normalizeStatus maps the wire's statuses, in any case, to the package's;
// one it does not know is kept as given.
func normalizeStatus(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "creating", "deploying":
		return StatusDeploying
	case "running":
		return StatusRunning
	case "failed", "error":
		return StatusFailed
	case "deleting":
		return StatusDeleting
	}
	return s
}

// wireValue is the value of a key, unless it is absent or null.
func wireValue(raw map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	v, ok := raw[key]
	if !ok || string(bytes.TrimSpace(v)) == "null" {
		return nil, false
	}
	return v, true
}

func wireString(raw map[string]json.RawMessage, key string) (string, bool) {
	v, ok := wireValue(raw, key)
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// wireInt reads a whole number, also when it arrives as a numeric string.
func wireInt(raw map[string]json.RawMessage, key string) (int64, bool) {
	v, ok := wireValue(raw, key)
	if !ok {
		return 0, false
	}
	n, ok := looseNumber(v)
	if !ok {
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	if f, err := n.Float64(); err == nil && f == float64(int64(f)) {
		return int64(f), true
	}
	return 0, false
}

// secretNames reads the secrets list: names, or objects with a name (the
// element type is not public).
func secretNames(v json.RawMessage) ([]string, bool) {
	var items []json.RawMessage
	if json.Unmarshal(v, &items) != nil || items == nil {
		return nil, false
	}
	names := make([]string, 0, len(items))
	for _, item := range items {
		var s string
		if json.Unmarshal(item, &s) == nil {
			names = append(names, s)
			continue
		}
		var obj struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(item, &obj) != nil || obj.Name == "" {
			return nil, false
		}
		names = append(names, obj.Name)
	}
	return names, true
}
