// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas/faults"
)

const (
	myAccountProject   = "12345"
	myAccountNamespace = "e2e-faas-12345-dl"
	pyHandler          = "def handle(event, context):\n    return 'ok'\n"
)

// myAccountCall is a MyAccount request below its base path, with the project and
// location every request carries.
func myAccountCall(method, path string, body any) call {
	return call{Method: method, Path: api.MyAccountBasePath + path, Body: body, Project: myAccountProject, Location: "Delhi"}
}

func (h *harness) myAccount(method, path string, body any) response {
	h.t.Helper()
	return h.send(myAccountCall(method, path, body))
}

// myAccountInvalid sends a MyAccount request that breaks the wire on purpose.
func (h *harness) myAccountInvalid(method, path string, body any) response {
	h.t.Helper()
	c := myAccountCall(method, path, body)
	c.Invalid = true
	return h.send(c)
}

// myAccountAnswer is the envelope of every MyAccount answer.
type myAccountAnswer struct {
	Code    int                 `json:"code"`
	Data    json.RawMessage     `json:"data"`
	Errors  map[string][]string `json:"errors"`
	Message string              `json:"message"`
}

// envelope decodes the answer's envelope; its code must be the HTTP status
// unless the status is 200 (not found is HTTP 200 with code 404).
func envelope(t *testing.T, r response) myAccountAnswer {
	t.Helper()
	var a myAccountAnswer
	if err := json.Unmarshal(r.Body, &a); err != nil {
		t.Fatalf("decode envelope %s: %v", r.Body, err)
	}
	if a.Errors == nil || a.Message == "" || a.Data == nil || r.Status != http.StatusOK && a.Code != r.Status {
		t.Fatalf("bad envelope (HTTP %d) %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content type %q", ct)
	}
	return a
}

// myAccountFailure checks an error answer: the status, the body's code, and that
// errors name the keys given.
func myAccountFailure(t *testing.T, r response, status int, keys ...string) myAccountAnswer {
	t.Helper()
	r.want(t, status)
	a := envelope(t, r)
	if a.Code != status || string(a.Data) != "null" {
		t.Fatalf("failure %d: %s", status, r.Body)
	}
	for _, k := range keys {
		if len(a.Errors[k]) == 0 {
			t.Errorf("errors do not name %q: %s", k, r.Body)
		}
	}
	return a
}

// myAccountFn is the MyAccount function object as a client sees it.
type myAccountFn struct {
	Name                 string            `json:"name"`
	Status               string            `json:"status"`
	Runtime              string            `json:"runtime"`
	NodeType             string            `json:"node_type"`
	URL                  string            `json:"url"`
	Memory               int               `json:"memory"`
	Timeout              int               `json:"timeout"`
	Code                 string            `json:"code"`
	Requirements         string            `json:"requirements"`
	EnvironmentVariables map[string]string `json:"environment_variables"`
	Secrets              []string          `json:"secrets"`
	ErrorMessage         string            `json:"error_message"`
	CreatedAt            string            `json:"created_at"`
	UpdatedAt            string            `json:"updated_at"`
}

// myAccountOK checks a success answer (HTTP 200, code 200) and decodes its data.
func myAccountOK(t *testing.T, r response, v any) {
	t.Helper()
	r.want(t, http.StatusOK)
	a := envelope(t, r)
	if a.Code != http.StatusOK || a.Message != "Success" || len(a.Errors) != 0 {
		t.Fatalf("not a success: %s", r.Body)
	}
	if err := json.Unmarshal(a.Data, v); err != nil {
		t.Fatalf("decode %s: %v", a.Data, err)
	}
}

func (h *harness) myAccountFunction(r response) myAccountFn {
	h.t.Helper()
	var f myAccountFn
	myAccountOK(h.t, r, &f)
	return f
}

func (h *harness) myAccountCreate(body map[string]any) myAccountFn {
	h.t.Helper()
	return h.myAccountFunction(h.myAccount("POST", "faas/functions/", body))
}

func (h *harness) myAccountGet(name string) myAccountFn {
	h.t.Helper()
	return h.myAccountFunction(h.myAccount("GET", "faas/function/"+name+"/", nil))
}

// myAccountBody is a valid create body, as E2E's CLI sends it.
func myAccountBody(name string) map[string]any {
	return map[string]any{
		"function": name, "runtime": "python3-http-debian", "arguments": map[string]any{}, "code": pyHandler,
		"memory": 512, "timeout": 15, "params": map[string]any{}, "requirements": "",
		"environment_variables": map[string]string{}, "secrets": []string{}, "node_type": "cpu",
	}
}

// myAccountUpdateBody is a valid update body.
func myAccountUpdateBody(code string) map[string]any {
	return map[string]any{
		"code": code, "params": map[string]any{}, "requirements": "", "environment_variables": map[string]string{},
		"secrets": []string{}, "memory": 128, "timeout": 30,
	}
}

// myAccountNotFound checks the answer E2E gives for an unknown name: HTTP 200, body
// code 404, data null.
func myAccountNotFound(t *testing.T, r response) {
	t.Helper()
	r.want(t, http.StatusOK)
	if a := envelope(t, r); a.Code != http.StatusNotFound || string(a.Data) != "null" || !strings.Contains(a.Message, "not found") {
		t.Errorf("not found: %s", r.Body)
	}
}

// writes are the routes of the request log's writes since the last reset.
func writes(srv *localfaas.Server) []string {
	var out []string
	for _, req := range srv.Requests() {
		if req.Method != "GET" {
			out = append(out, req.Route)
		}
	}
	return out
}

func TestMyAccountLifecycle(t *testing.T) {
	h := newHarness(t, delays(10*time.Second, 5*time.Second))
	created := h.myAccountCreate(with(myAccountBody("orders"), "code", pyHandler, "requirements", "requests==2.32.3\n",
		"environment_variables", map[string]string{"GREETING": "hi", "LEVEL": "1"}, "secrets", []string{"db-password"}))
	wantURL := h.ts.URL + "/faas/function/v1/orders." + myAccountNamespace + "/"
	if created.Status != "deploying" || created.URL != wantURL || created.Runtime != "python3-http-debian" || created.NodeType != "cpu" ||
		created.Memory != 512 || created.Timeout != 15 || created.Code != pyHandler || created.Requirements != "requests==2.32.3\n" ||
		!reflect.DeepEqual(created.EnvironmentVariables, map[string]string{"GREETING": "hi", "LEVEL": "1"}) ||
		!reflect.DeepEqual(created.Secrets, []string{"db-password"}) || created.CreatedAt != "2025-01-15T10:30:00Z" ||
		created.UpdatedAt != created.CreatedAt || created.ErrorMessage != "" {
		t.Fatalf("created: %+v", created)
	}

	// Settings are read-only while the function deploys.
	r := h.myAccount("PUT", "faas/handler_file/orders/", myAccountUpdateBody("x = 1\n"))
	if e := myAccountFailure(t, r, http.StatusConflict); !strings.Contains(e.Message, "read-only") {
		t.Errorf("update while deploying: %s", r.Body)
	}
	myAccountFailure(t, h.myAccount("DELETE", "faas/function/orders/", map[string]any{"function": "orders"}), http.StatusConflict)

	h.clock.Advance(10 * time.Second)
	if got := h.myAccountGet("orders"); got.Status != "running" || got.URL != wantURL || got.UpdatedAt != created.UpdatedAt {
		t.Fatalf("after the deploy: %+v", got)
	}
	var list []map[string]string
	myAccountOK(t, h.myAccount("GET", "faas/functions/", nil), &list)
	if want := []map[string]string{{"name": "orders", "runtime": "python3-http-debian", "status": "running", "url": wantURL}}; !reflect.DeepEqual(list, want) {
		t.Errorf("list %v, want %v", list, want)
	}

	// An update replaces every setting, and redeploys.
	h.clock.Advance(time.Second)
	updated := h.myAccountFunction(h.myAccount("PUT", "faas/handler_file/orders/", with(myAccountUpdateBody("def handle(event, context):\n    return 'v2'\n"),
		"environment_variables", map[string]string{"LEVEL": "2"}, "memory", 1024, "timeout", 600)))
	if updated.Status != "deploying" || updated.Code != "def handle(event, context):\n    return 'v2'\n" || updated.Requirements != "" ||
		!reflect.DeepEqual(updated.EnvironmentVariables, map[string]string{"LEVEL": "2"}) || len(updated.Secrets) != 0 ||
		updated.Memory != 1024 || updated.Timeout != 600 || updated.Runtime != "python3-http-debian" ||
		updated.CreatedAt != created.CreatedAt || updated.UpdatedAt != "2025-01-15T10:30:11Z" {
		t.Fatalf("updated: %+v", updated)
	}
	h.clock.Advance(10 * time.Second)
	if got := h.myAccountGet("orders"); got.Status != "running" {
		t.Fatalf("after the update: %+v", got)
	}

	// A delete takes the delete delay; a repeated delete is answered alike.
	deleting := h.myAccountFunction(h.myAccount("DELETE", "faas/function/orders/", map[string]any{"function": "orders"}))
	if deleting.Status != "deleting" {
		t.Fatalf("deleting: %+v", deleting)
	}
	if again := h.myAccountFunction(h.myAccount("DELETE", "faas/function/orders/", map[string]any{"function": "orders"})); again.Status != "deleting" {
		t.Errorf("second delete: %+v", again)
	}
	myAccountFailure(t, h.myAccount("PUT", "faas/handler_file/orders/", myAccountUpdateBody("x = 1\n")), http.StatusConflict)
	h.clock.Advance(5 * time.Second)
	myAccountNotFound(t, h.myAccount("GET", "faas/function/orders/", nil))
	if status, _ := h.invoke("GET", wantURL, ""); status != http.StatusNotFound {
		t.Errorf("the url of a deleted function answers %d", status)
	}
	// The name is free again.
	h.myAccountCreate(myAccountBody("orders"))

	want := []string{"POST faas/functions/", "PUT faas/handler_file/{name}/", "DELETE faas/function/{name}/",
		"PUT faas/handler_file/{name}/", "DELETE faas/function/{name}/", "DELETE faas/function/{name}/",
		"PUT faas/handler_file/{name}/", "POST faas/functions/"}
	if got := writes(h.srv); !reflect.DeepEqual(got, want) {
		t.Errorf("writes %q, want %q", got, want)
	}
}

func TestMyAccountNotFound(t *testing.T) {
	h := newHarness(t)
	myAccountNotFound(t, h.myAccount("GET", "faas/function/nothing/", nil))
	myAccountNotFound(t, h.myAccount("PUT", "faas/handler_file/nothing/", myAccountUpdateBody("x = 1\n")))
	myAccountNotFound(t, h.myAccount("DELETE", "faas/function/nothing/", map[string]any{"function": "nothing"}))

	// A function of another project is not found either.
	h.myAccountCreate(myAccountBody("elsewhere"))
	c := myAccountCall("GET", "faas/function/elsewhere/", nil)
	c.Project = "777"
	myAccountNotFound(t, h.send(c))
}

func TestMyAccountNameTaken(t *testing.T) {
	h := newHarness(t)
	h.myAccountCreate(myAccountBody("taken"))
	r := h.myAccount("POST", "faas/functions/", myAccountBody("taken"))
	if e := myAccountFailure(t, r, http.StatusConflict); !strings.Contains(e.Message, `"taken"`) {
		t.Errorf("the message does not name the function: %s", r.Body)
	}
	// A faas-v1 function of the project holds its name too.
	h.send(call{Method: "POST", Path: "functions", Body: minimal("by-faas-v1"), Project: myAccountProject}).want(t, http.StatusCreated)
	myAccountFailure(t, h.myAccount("POST", "faas/functions/", myAccountBody("by-faas-v1")), http.StatusConflict)
	// Another project has its own names.
	c := myAccountCall("POST", "faas/functions/", myAccountBody("taken"))
	c.Project = "777"
	h.send(c).want(t, http.StatusOK)
}

func TestMyAccountStrictness(t *testing.T) {
	h := newHarness(t)
	long := "a" + strings.Repeat("b", 40)
	for _, tc := range []struct {
		name string
		body map[string]any
		keys []string
	}{
		{"unknown key", with(myAccountBody("fn-a"), "labels", map[string]string{}), []string{"labels"}},
		{"unknown keys", with(myAccountBody("fn-a"), "template", "http", "replicas", 2), []string{"template", "replicas"}},
		{"missing key", with(myAccountBody("fn-a"), "arguments", nil), []string{"arguments"}},
		{"null key", with(myAccountBody("fn-a"), "secrets", json.RawMessage("null")), []string{"secrets"}},
		{"memory not offered", with(myAccountBody("fn-a"), "memory", 2048), []string{"memory"}},
		{"memory as a string", with(myAccountBody("fn-a"), "memory", "512"), []string{"memory"}},
		{"timeout too short", with(myAccountBody("fn-a"), "timeout", 0), []string{"timeout"}},
		{"timeout too long", with(myAccountBody("fn-a"), "timeout", 601), []string{"timeout"}},
		{"unknown runtime", with(myAccountBody("fn-a"), "runtime", "python3.11"), []string{"runtime"}},
		{"node type of another runtime", with(myAccountBody("fn-a"), "runtime", "python3-tensorflow"), []string{"node_type"}},
		{"unknown node type", with(myAccountBody("fn-a"), "node_type", "tpu"), []string{"node_type"}},
		{"name too short", myAccountBody("ab"), []string{"function"}},
		{"name too long", myAccountBody(long), []string{"function"}},
		{"name with a capital", myAccountBody("Orders"), []string{"function"}},
		{"name starting with a digit", myAccountBody("1orders"), []string{"function"}},
		{"empty code", with(myAccountBody("fn-a"), "code", ""), []string{"code"}},
		{"reserved variable", with(myAccountBody("fn-a"), "environment_variables", map[string]string{"PORT": "1"}), []string{"environment_variables"}},
		{"bad variable name", with(myAccountBody("fn-a"), "environment_variables", map[string]string{"1X": "1"}), []string{"environment_variables"}},
		{"secret twice", with(myAccountBody("fn-a"), "secrets", []string{"a", "a"}), []string{"secrets"}},
		{"arguments not empty", with(myAccountBody("fn-a"), "arguments", map[string]any{"a": 1}), []string{"arguments"}},
		{"params not an object", with(myAccountBody("fn-a"), "params", []string{}), []string{"params"}},
		{"everything at once", with(myAccountBody("Bad"), "memory", 100, "timeout", 0, "extra", 1), []string{"function", "memory", "timeout", "extra"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			myAccountFailure(t, h.myAccountInvalid("POST", "faas/functions/", tc.body), http.StatusBadRequest, tc.keys...)
		})
	}
	if n := len(h.srv.Functions()); n != 0 {
		t.Fatalf("%d functions created from refused bodies", n)
	}

	// Bodies that are not objects.
	myAccountFailure(t, h.myAccountInvalid("POST", "faas/functions/", []byte("{")), http.StatusBadRequest)
	myAccountFailure(t, h.myAccountInvalid("POST", "faas/functions/", []byte("[]")), http.StatusBadRequest)
	myAccountFailure(t, h.myAccountInvalid("POST", "faas/functions/", nil), http.StatusBadRequest)

	// Update and delete are as strict.
	h.myAccountCreate(myAccountBody("strict"))
	h.myAccountGet("strict") // settles the deploy
	myAccountFailure(t, h.myAccountInvalid("PUT", "faas/handler_file/strict/", with(myAccountUpdateBody("x = 1\n"), "runtime", "node18")), http.StatusBadRequest, "runtime")
	myAccountFailure(t, h.myAccountInvalid("PUT", "faas/handler_file/strict/", with(myAccountUpdateBody("x = 1\n"), "params", map[string]any{"a": 1})), http.StatusBadRequest, "params")
	myAccountFailure(t, h.myAccountInvalid("PUT", "faas/handler_file/strict/", with(myAccountUpdateBody("x = 1\n"), "memory", nil)), http.StatusBadRequest, "memory")
	myAccountFailure(t, h.myAccountInvalid("DELETE", "faas/function/strict/", map[string]any{"function": "other"}), http.StatusBadRequest, "function")
	myAccountFailure(t, h.myAccountInvalid("DELETE", "faas/function/strict/", map[string]any{"function": "strict", "force": true}), http.StatusBadRequest, "force")
	myAccountFailure(t, h.myAccountInvalid("DELETE", "faas/function/strict/", nil), http.StatusBadRequest)
	if got := h.myAccountGet("strict"); got.Status != "running" || got.Code != pyHandler {
		t.Errorf("refused requests changed the function: %+v", got)
	}

	// The query: project_id a positive integer, location present.
	for _, tc := range []struct {
		project, location, key string
	}{
		{"", "Delhi", "project_id"},
		{"0", "Delhi", "project_id"},
		{"-1", "Delhi", "project_id"},
		{"abc", "Delhi", "project_id"},
		{"012", "Delhi", "project_id"},
		{"12345", "", "location"},
	} {
		c := myAccountCall("GET", "faas/functions/", nil)
		c.Project, c.Location, c.Invalid = tc.project, tc.location, true
		myAccountFailure(t, h.send(c), http.StatusBadRequest, tc.key)
	}
}

func TestMyAccountAuth(t *testing.T) {
	h := newHarness(t)
	for _, c := range []call{
		{Token: ptr("")},
		{Token: ptr("wrong")},
		{Key: ptr("")},
		{Key: ptr("wrong")},
	} {
		mc := myAccountCall("GET", "faas/runtimes/", nil)
		mc.Token, mc.Key, mc.Invalid = c.Token, c.Key, true
		myAccountFailure(t, h.send(mc), http.StatusUnauthorized)
	}
	// Unknown endpoints answer in the envelope too.
	myAccountFailure(t, h.myAccountInvalid("GET", "faas/nothing/", nil), http.StatusNotFound)
	r := h.myAccountInvalid("PATCH", "faas/functions/", nil)
	myAccountFailure(t, r, http.StatusMethodNotAllowed)
	if allow := r.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow %q", allow)
	}
}

// A path without its trailing slash, or one to clean, is not redirected:
// a redirect's Location would repeat the query, apikey included. The answer
// names the endpoint, in the dialect's form (the harness checks every header
// for credentials).
func TestAlmostRightPathsNameTheEndpoint(t *testing.T) {
	h := newHarness(t)
	enveloped := h.myAccountInvalid("GET", "faas/functions", nil)
	if a := myAccountFailure(t, enveloped, http.StatusNotFound); !strings.Contains(a.Message, api.MyAccountBasePath+"faas/functions/") {
		t.Errorf("message %q does not name the endpoint", a.Message)
	}
	v1 := h.invalid("GET", "/faas/api/v1//runtimes", nil).want(t, http.StatusNotFound)
	if e := errorOf(t, v1); !strings.Contains(e.Message, "/faas/api/v1/runtimes") {
		t.Errorf("message %q does not name the endpoint", e.Message)
	}
	for _, r := range []response{enveloped, v1} {
		if loc := r.Header.Get("Location"); loc != "" {
			t.Errorf("Location %q", loc)
		}
	}
}

func TestMyAccountRuntimes(t *testing.T) {
	h := newHarness(t)
	var catalogue []map[string]any
	myAccountOK(t, h.myAccount("GET", "faas/runtimes/", nil), &catalogue)
	want := map[string][2]string{
		"python3-http-debian": {"cpu", "requirements.txt"},
		"node18":              {"cpu", "package.json"},
		"python3-tensorflow":  {"gpu", "requirements.txt"},
		"python3-http-cuda":   {"gpu", "requirements.txt"},
		"dotnet8-csharp":      {"cpu", "Function.csproj"},
		"ruby":                {"cpu", "Gemfile"},
	}
	if len(catalogue) != len(want) {
		t.Fatalf("%d runtimes, want %d", len(catalogue), len(want))
	}
	for _, rt := range catalogue {
		keys := make([]string, 0, len(rt))
		for k := range rt {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !reflect.DeepEqual(keys, []string{"boiler_code", "label", "node_type", "requirements_code", "runtime"}) {
			t.Errorf("keys %v", keys)
		}
		name, _ := rt["runtime"].(string)
		w, ok := want[name]
		if !ok || rt["node_type"] != w[0] || rt["label"] != w[1] || rt["boiler_code"] == "" || rt["requirements_code"] == "" {
			t.Errorf("runtime %v", rt)
		}
	}
	py := catalogueEntry(t, h, "python3-http-debian")
	if !strings.Contains(py.BoilerCode, "def handle(event, context):") {
		t.Errorf("the python starter does not follow the http template: %q", py.BoilerCode)
	}
	if node := catalogueEntry(t, h, "node18"); !strings.Contains(node.BoilerCode, "module.exports = async (event, context)") {
		t.Errorf("the node starter does not follow the node template: %q", node.BoilerCode)
	}
}

type myAccountRuntimeEntry struct {
	Runtime          string `json:"runtime"`
	NodeType         string `json:"node_type"`
	BoilerCode       string `json:"boiler_code"`
	Label            string `json:"label"`
	RequirementsCode string `json:"requirements_code"`
}

func catalogueEntry(t *testing.T, h *harness, runtime string) myAccountRuntimeEntry {
	t.Helper()
	var catalogue []myAccountRuntimeEntry
	myAccountOK(t, h.myAccount("GET", "faas/runtimes/", nil), &catalogue)
	for _, rt := range catalogue {
		if rt.Runtime == runtime {
			return rt
		}
	}
	t.Fatalf("no runtime %s", runtime)
	return myAccountRuntimeEntry{}
}

// A function's code is stored in an archive with the catalogue's file names,
// to run as template http.
func TestMyAccountArchive(t *testing.T) {
	h := newHarness(t)
	h.myAccountCreate(with(myAccountBody("py-fn"), "requirements", "requests\n"))
	h.myAccountCreate(with(myAccountBody("node-fn"), "runtime", "node18", "code", "module.exports = async () => 'ok';\n", "requirements", ""))
	byName := map[string]localfaas.Function{}
	for _, f := range h.srv.Functions() {
		byName[f.Name] = f
	}
	py, node := byName["py-fn"], byName["node-fn"]
	sum := sha256.Sum256([]byte(pyHandler))
	if py.Code != pyHandler || py.CodeSHA256 != hex.EncodeToString(sum[:]) || py.Template != "http" || py.HandlerFunction != "handle" ||
		py.Requirements != "requests\n" || py.Namespace != myAccountNamespace || py.Config.HardwareType != "cpu" || py.Config.MemoryMB != 512 {
		t.Errorf("stored: %+v", py)
	}
	if got := unzip(t, py.CodeArchive); !reflect.DeepEqual(got, map[string]string{"handler.py": pyHandler, "requirements.txt": "requests\n"}) {
		t.Errorf("python archive %v", got)
	}
	if got := unzip(t, node.CodeArchive); !reflect.DeepEqual(got, map[string]string{"handler.js": "module.exports = async () => 'ok';\n"}) {
		t.Errorf("node archive %v", got)
	}

	// The same code gives the same archive.
	h.myAccountGet("py-fn")
	h.myAccount("PUT", "faas/handler_file/py-fn/", with(myAccountUpdateBody(pyHandler), "requirements", "requests\n")).want(t, http.StatusOK)
	if again, _ := h.srv.Function(py.ID); !bytes.Equal(again.CodeArchive, py.CodeArchive) {
		t.Error("the archive of the same code changed")
	}
}

func unzip(t *testing.T, archive []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		_ = rc.Close()
		out[f.Name] = string(data)
	}
	return out
}

func TestMyAccountSparse(t *testing.T) {
	h := newHarness(t, func(o *localfaas.Options) { o.MyAccountSparse = true })
	h.myAccountCreate(with(myAccountBody("sparse"), "environment_variables", map[string]string{"A": "b"}))
	var fields map[string]any
	myAccountOK(t, h.myAccount("GET", "faas/function/sparse/", nil), &fields)
	want := map[string]any{"name": "sparse", "runtime": "python3-http-debian", "status": "running",
		"url": h.ts.URL + "/faas/function/v1/sparse." + myAccountNamespace + "/"}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("sparse get %v, want %v", fields, want)
	}
	myAccountNotFound(t, h.myAccount("GET", "faas/function/nothing/", nil))
}

// One store behind both dialects: a function made through one is found,
// read and changed through the other, in the namespace of the project.
func TestMyAccountSharesTheStore(t *testing.T) {
	h := newHarness(t)
	made := h.myAccountCreate(with(myAccountBody("shared"), "requirements", "requests\n", "environment_variables", map[string]string{"A": "b"}))

	var list struct {
		Functions []function `json:"functions"`
	}
	h.decode(h.send(call{Method: "GET", Path: "functions?name=shared", Project: myAccountProject}).want(t, http.StatusOK), &list)
	if len(list.Functions) != 1 {
		t.Fatalf("faas-v1 lists %d functions named shared", len(list.Functions))
	}
	f := list.Functions[0]
	sum := sha256.Sum256([]byte(pyHandler))
	if f.Namespace != myAccountNamespace || f.Runtime != "python3-http-debian" || f.Template != "http" || f.Requirements != "requests\n" ||
		f.Config.MemoryMB != 512 || f.Config.TimeoutSeconds != 15 || f.Config.HardwareType != "cpu" || f.Environment["A"] != "b" ||
		f.InvokeURL != made.URL || f.CodeSHA256 != hex.EncodeToString(sum[:]) || f.Status != "Running" {
		t.Errorf("through faas-v1: %+v", f)
	}
	h.send(call{Method: "GET", Path: "functions/" + f.ID, Project: "777"}).want(t, http.StatusNotFound)

	// A faas-v1 change shows through MyAccount; the runtime it keeps passes.
	h.send(call{Method: "PUT", Path: "functions/" + f.ID + "/config", Body: map[string]any{"memory_mb": 256}, Project: myAccountProject}).want(t, http.StatusOK)
	h.send(call{Method: "GET", Path: "functions/" + f.ID, Project: myAccountProject}).want(t, http.StatusOK) // settles
	if got := h.myAccountGet("shared"); got.Memory != 256 || got.Code != pyHandler || got.Status != "running" {
		t.Errorf("after the faas-v1 change: %+v", got)
	}
	// New code as an archive: the handler text is no longer known.
	h.send(call{Method: "PUT", Path: "functions/" + f.ID + "/code", Body: map[string]any{"code_archive": zipB64(nil)}, Project: myAccountProject}).want(t, http.StatusOK)
	var raw map[string]any
	myAccountOK(t, h.myAccount("GET", "faas/function/shared/", nil), &raw)
	if _, ok := raw["code"]; ok {
		t.Errorf("code after an archive update: %v", raw)
	}

	// A faas-v1 function reads through MyAccount, and is listed after the
	// older one.
	h.clock.Advance(time.Second)
	v1 := h.create(minimal("from-v1"))
	h.send(call{Method: "POST", Path: "functions", Body: minimal("from-v1"), Project: myAccountProject}).want(t, http.StatusCreated)
	got := h.myAccountGet("from-v1")
	if got.Runtime != "python3.11" || got.NodeType != "cpu" || got.Code != "" || got.Memory != 128 {
		t.Errorf("a faas-v1 function through MyAccount: %+v", got)
	}
	if v1.Namespace == myAccountNamespace {
		t.Fatal("the default project is the MyAccount test's")
	}
	var names []struct{ Name string }
	myAccountOK(t, h.myAccount("GET", "faas/functions/", nil), &names)
	if len(names) != 2 || names[0].Name != "shared" || names[1].Name != "from-v1" {
		t.Errorf("list %v", names)
	}
	// Its runtime is not MyAccount's: it cannot be updated through it.
	myAccountFailure(t, h.myAccount("PUT", "faas/handler_file/from-v1/", myAccountUpdateBody("x = 1\n")), http.StatusConflict)
	// And deleting through MyAccount deletes it.
	h.myAccountFunction(h.myAccount("DELETE", "faas/function/from-v1/", map[string]any{"function": "from-v1"}))
	myAccountNotFound(t, h.myAccount("GET", "faas/function/from-v1/", nil))
}

// Every MyAccount route goes through the fault layer, which answers in the
// envelope; the request log names the routes.
func TestMyAccountFaults(t *testing.T) {
	for _, kind := range kinds(faults.InternalError, faults.Unavailable, faults.RateLimited) {
		t.Run(string(kind), func(t *testing.T) {
			h := newHarness(t)
			h.myAccountCreate(myAccountBody("kept"))
			h.myAccountGet("kept")
			before := h.srv.Functions()
			h.srv.ResetRequests()
			setFaults(t, h, faults.Config{Seed: 3, Rate: 1, Kinds: kinds(kind), RetryAfter: time.Second})
			calls := []call{
				myAccountCall("GET", "faas/runtimes/", nil),
				myAccountCall("POST", "faas/functions/", myAccountBody("faulted")),
				myAccountCall("GET", "faas/functions/", nil),
				myAccountCall("GET", "faas/function/kept/", nil),
				myAccountCall("PUT", "faas/handler_file/kept/", myAccountUpdateBody("x = 1\n")),
				myAccountCall("DELETE", "faas/function/kept/", map[string]any{"function": "kept"}),
			}
			want, _ := strconv.Atoi(string(kind))
			for _, c := range calls {
				r := h.send(c)
				if e := myAccountFailure(t, r, want); !strings.Contains(e.Message, "fault injected") {
					t.Errorf("%s %s: %s", c.Method, c.Path, r.Body)
				}
				if kind == faults.RateLimited && r.Header.Get("Retry-After") != "1" {
					t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
				}
			}
			h.srv.ClearFaults()
			if after := h.srv.Functions(); !reflect.DeepEqual(before, after) {
				t.Errorf("a faulted request changed the store")
			}
			var routes []string
			for _, req := range h.srv.Requests() {
				routes = append(routes, req.Route)
			}
			wantRoutes := []string{"GET faas/runtimes/", "POST faas/functions/", "GET faas/functions/", "GET faas/function/{name}/",
				"PUT faas/handler_file/{name}/", "DELETE faas/function/{name}/"}
			if !reflect.DeepEqual(routes, wantRoutes) {
				t.Errorf("routes %q, want %q", routes, wantRoutes)
			}
		})
	}

	// Rules name MyAccount routes as the request log does.
	h := newHarness(t)
	setFaults(t, h, faults.Config{Routes: map[string]faults.Rule{
		"POST faas/functions/": {Rate: 1, Kinds: kinds(faults.Unavailable)},
	}})
	myAccountFailure(t, h.myAccount("POST", "faas/functions/", myAccountBody("routed")), http.StatusServiceUnavailable)
	h.myAccount("GET", "faas/functions/", nil).want(t, http.StatusOK)
	h.do("POST", "functions", minimal("routed")).want(t, http.StatusCreated)

	// A dropped create is carried out: the function exists, and its name is
	// taken for the retry.
	setFaults(t, h, faults.Config{Routes: map[string]faults.Rule{
		"POST faas/functions/": {Rate: 1, Kinds: kinds(faults.Drop)},
	}})
	if _, err := h.try(myAccountCall("POST", "faas/functions/", myAccountBody("dropped"))); err == nil {
		t.Fatal("a dropped answer arrived")
	}
	h.srv.ClearFaults()
	if got := h.myAccountGet("dropped"); got.Name != "dropped" {
		t.Errorf("after the drop: %+v", got)
	}
	myAccountFailure(t, h.myAccount("POST", "faas/functions/", myAccountBody("dropped")), http.StatusConflict)
}
