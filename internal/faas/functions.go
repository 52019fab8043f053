// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/hashicorp/go-uuid"
)

// The faas-v1 wire of functions: every path, query and body of the
// functions endpoints of internal/api/openapi.yaml is spelled in this file.

func functionPath(id string, sub ...string) string {
	p := "functions/" + url.PathEscape(id)
	for _, s := range sub {
		p += "/" + s
	}
	return p
}

// CreateFunction sends POST functions with an Idempotency-Key, so that a
// create whose answer was lost is never carried out twice and never leaves a
// function nobody tracks. It follows the protocol of createOrAdopt; after an
// ambiguous failure the function of that name is the one this call made when
// it carries this create's key (create_request_id), somebody else's
// (*NameTakenError) when it carries another, and, when it carries none (an
// API that does not report create_request_id), adopted (Adopted set) when it
// matches what was sent (matchesRequest) and somebody else's otherwise. When
// there is none, the POST is sent again with the same key, which the server
// answers with the function it made if the first POST did arrive. A 2xx
// whose body is not a function with an id is ambiguous too, and so is a 409,
// which may answer the transport's own second sending (creation.resent).
//
// The answer may be the short create response; callers GET the rest.
func (c *Client) CreateFunction(ctx context.Context, req *CreateFunctionRequest) (*Function, error) {
	if req.Code == nil {
		return nil, errors.New("create function: no code archive")
	}
	body := *req
	body.FunctionSpec = req.wire()
	if body.IdempotencyKey == "" {
		key, err := uuid.GenerateUUID()
		if err != nil {
			return nil, fmt.Errorf("create function: no Idempotency-Key: %w", err)
		}
		body.IdempotencyKey = key
	}
	post := &request{
		method: http.MethodPost, path: "functions", body: &body, code: req.Code,
		header: http.Header{"Idempotency-Key": {body.IdempotencyKey}},
	}
	return c.createOrAdopt(ctx, creation{
		name: req.Name,
		post: func(ctx context.Context) (*Function, error) {
			var f Function
			err := c.do(ctx, post, &f)
			if err == nil && f.ID == "" {
				err = &unreadableError{msg: "POST functions: the API's success answer carries no function id"}
			}
			if err != nil {
				return nil, err
			}
			return &f, nil
		},
		lookUp: func(ctx context.Context, name string) (*Function, error) { return c.FindFunction(ctx, name, "") },
		claim: func(ctx context.Context, found *Function, cause error) (*Function, error) {
			return c.claim(ctx, found, req, body.IdempotencyKey, cause)
		},
		nameTaken: c.nameTaken,
		resent:    true,
	})
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
	// No key either way: the match with the request decides, which the
	// short list entry cannot show.
	full := found
	if !found.Complete() {
		var err error
		if full, err = c.GetFunction(ctx, found.ID); err != nil {
			return nil, fmt.Errorf("%w; reading the function named %q that exists afterwards also failed: %v", cause, req.Name, err)
		}
	}
	return adoptIfMatching(full, req, cause)
}

// nameTaken is the error of a create refused outright (409): the function
// of that name, when it can be found.
func (c *Client) nameTaken(ctx context.Context, name string, cause error) error {
	found, err := c.FindFunction(ctx, name, "")
	if err != nil {
		return cause
	}
	return &NameTakenError{Name: name, Existing: found, Cause: cause}
}

// GetFunction sends GET functions/{id}.
func (c *Client) GetFunction(ctx context.Context, id string) (*Function, error) {
	return c.doFunction(ctx, &request{method: http.MethodGet, path: functionPath(id), idempotent: true})
}

// ConfirmNotFound checks that a not-found comes from the API itself
// (confirmNotFound).
func (c *Client) ConfirmNotFound(ctx context.Context, notFound error) error {
	return c.confirmNotFound(ctx, notFound, func(ctx context.Context) error { _, err := c.ListRuntimes(ctx); return err })
}

// listFunctions sends GET functions for one page.
func (c *Client) listFunctions(ctx context.Context, opts ListFunctionsOptions) (*FunctionList, error) {
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
		list, err := c.listFunctions(ctx, opts)
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
	body := req.wire()
	return c.doFunction(ctx, &request{method: http.MethodPut, path: functionPath(id), body: &body, code: req.Code, idempotent: true})
}

// UpdateFunctionCode sends PUT functions/{id}/code; redeploys.
func (c *Client) UpdateFunctionCode(ctx context.Context, id string, req *CodeUpdate) (*Function, error) {
	if req.Code == nil {
		return nil, errors.New("update function code: no code archive")
	}
	return c.doFunction(ctx, &request{method: http.MethodPut, path: functionPath(id, "code"), body: req, code: req.Code, idempotent: true})
}

// UpdateFunctionConfig sends PUT functions/{id}/config; redeploys.
func (c *Client) UpdateFunctionConfig(ctx context.Context, id string, cfg *FunctionConfig) (*Function, error) {
	return c.doFunction(ctx, &request{method: http.MethodPut, path: functionPath(id, "config"), body: cfg, idempotent: true})
}

// UpdateFunctionEnvironment sends PUT functions/{id}/environment; redeploys.
func (c *Client) UpdateFunctionEnvironment(ctx context.Context, id string, req *EnvironmentUpdate) (*Function, error) {
	body := EnvironmentUpdate{Environment: emptyMap(req.Environment), Secrets: emptyList(req.Secrets)}
	return c.doFunction(ctx, &request{method: http.MethodPut, path: functionPath(id, "environment"), body: &body, idempotent: true})
}

// UpdateFunctionMetadata sends PUT functions/{id}/metadata; no redeploy.
func (c *Client) UpdateFunctionMetadata(ctx context.Context, id string, req *MetadataUpdate) (*Function, error) {
	body := MetadataUpdate{Labels: emptyMap(req.Labels), Annotations: emptyMap(req.Annotations)}
	return c.doFunction(ctx, &request{method: http.MethodPut, path: functionPath(id, "metadata"), body: &body, idempotent: true})
}

// DeployFunction sends POST functions/{id}/deploy: redeploying the same code
// twice is harmless, so it is retried like an idempotent request.
func (c *Client) DeployFunction(ctx context.Context, id string) (*Function, error) {
	return c.doFunction(ctx, &request{method: http.MethodPost, path: functionPath(id, "deploy"), idempotent: true})
}

// DeleteFunction sends DELETE functions/{id}. The function then reads
// Deleting until it is gone.
func (c *Client) DeleteFunction(ctx context.Context, id string) (*Function, error) {
	return c.doFunction(ctx, &request{method: http.MethodDelete, path: functionPath(id), idempotent: true})
}

// wire is the spec as the contract has it sent: its maps and lists are not
// nullable, so a nil one is sent as empty, which also tells the full-replace
// PUT to clear it.
func (s *FunctionSpec) wire() FunctionSpec {
	body := *s
	body.Environment, body.Secrets = emptyMap(s.Environment), emptyList(s.Secrets)
	body.Labels, body.Annotations = emptyMap(s.Labels), emptyMap(s.Annotations)
	return body
}

// doFunction sends a request whose answer is a function.
func (c *Client) doFunction(ctx context.Context, r *request) (*Function, error) {
	var f Function
	if err := c.do(ctx, r, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// ListRuntimes sends GET runtimes.
func (c *Client) ListRuntimes(ctx context.Context) ([]Runtime, error) {
	var body runtimeListBody
	if err := c.do(ctx, &request{method: http.MethodGet, path: "runtimes", idempotent: true}, &body); err != nil {
		return nil, err
	}
	return body.Runtimes, nil
}
