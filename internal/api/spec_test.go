// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
)

const maQuery = "?apikey=k&location=Delhi&project_id=12345"

// exchange is one request and its answer, as a client and server would send
// them.
type exchange struct {
	name       string
	method     string
	path       string // below the base path, with the query
	body       string
	status     int
	header     map[string]string
	answer     string
	badRequest bool // the request must fail validation
	badAnswer  bool // the answer must fail validation
}

const (
	createBody = `{"function":"orders","runtime":"python3-http-debian","arguments":{},"code":"def handle(event, context):\n    return 'ok'\n",` +
		`"memory":512,"timeout":15,"params":{},"requirements":"","environment_variables":{"KEY":"value"},"secrets":["db"],"node_type":"cpu"}`
	updateBody = `{"code":"x = 1\n","params":{},"requirements":"requests\n","environment_variables":{},"secrets":[],"memory":128,"timeout":600}`
	function   = `{"name":"orders","status":"deploying","runtime":"python3-http-debian","node_type":"cpu","url":"http://127.0.0.1:1/faas/function/v1/orders.e2e-faas-12345-dl/",` +
		`"memory":512,"timeout":15,"code":"x","requirements":"","environment_variables":{"KEY":"value"},"secrets":["db"],"created_at":"2025-01-15T10:30:00Z","updated_at":"2025-01-15T10:30:00Z"}`
)

func envelope(data string) string {
	const code = "200"
	return `{"code":` + code + `,"data":` + data + `,"errors":{},"message":"Success"}`
}

func TestMyAccountExchanges(t *testing.T) {
	checker, err := api.NewMyAccountChecker()
	if err != nil {
		t.Fatal(err)
	}
	if checker.BasePath() != api.MyAccountBasePath {
		t.Fatalf("base path %q", checker.BasePath())
	}
	for _, x := range []exchange{
		{name: "create", method: "POST", path: "faas/functions/", body: createBody, status: 200, answer: envelope(function)},
		{name: "get", method: "GET", path: "faas/function/orders/", status: 200, answer: envelope(function)},
		{name: "get, the fewest fields", method: "GET", path: "faas/function/orders/", status: 200, answer: envelope(`{"name":"orders","status":"running"}`)},
		{name: "not found", method: "GET", path: "faas/function/nothing/", status: 200,
			answer: `{"code":404,"data":null,"errors":{},"message":"function nothing not found"}`},
		{name: "update", method: "PUT", path: "faas/handler_file/orders/", body: updateBody, status: 200, answer: envelope(function)},
		{name: "delete", method: "DELETE", path: "faas/function/orders/", body: `{"function":"orders"}`, status: 200, answer: envelope(function)},
		{name: "list", method: "GET", path: "faas/functions/", status: 200,
			answer: envelope(`[{"name":"orders","runtime":"node18","status":"running","url":"http://x/"}]`)},
		{name: "runtimes", method: "GET", path: "faas/runtimes/", status: 200,
			answer: envelope(`[{"runtime":"node18","node_type":"cpu","boiler_code":"x","label":"package.json","requirements_code":"{}"}]`)},
		{name: "invalid input", method: "POST", path: "faas/functions/", body: createBody, status: 400,
			answer: `{"code":400,"data":null,"errors":{"memory":["must be one of 128, 256, 512, 1024"]},"message":"invalid function"}`},
		{name: "rate limited", method: "GET", path: "faas/functions/", status: 429, header: map[string]string{"Retry-After": "1"},
			answer: `{"code":429,"data":null,"errors":{},"message":"slow down"}`},
		{name: "unauthorized", method: "GET", path: "faas/runtimes/", status: 401,
			answer: `{"code":401,"data":null,"errors":{},"message":"invalid API key or auth token"}`},

		// Requests that break the wire.
		{name: "unknown body key", method: "POST", path: "faas/functions/", body: strings.Replace(createBody, `"params"`, `"labels":{},"params"`, 1),
			status: 200, answer: envelope(function), badRequest: true},
		{name: "missing body key", method: "PUT", path: "faas/handler_file/orders/", body: strings.Replace(updateBody, `"params":{},`, "", 1),
			status: 200, answer: envelope(function), badRequest: true},
		{name: "memory not offered", method: "PUT", path: "faas/handler_file/orders/", body: strings.Replace(updateBody, `128`, `2048`, 1),
			status: 200, answer: envelope(function), badRequest: true},
		{name: "params not empty", method: "PUT", path: "faas/handler_file/orders/", body: strings.Replace(updateBody, `"params":{}`, `"params":{"a":1}`, 1),
			status: 200, answer: envelope(function), badRequest: true},
		{name: "project_id not an integer", method: "GET", path: "faas/functions/?apikey=k&location=Delhi&project_id=abc", status: 200,
			answer: envelope(`[]`), badRequest: true},
		{name: "no location", method: "GET", path: "faas/functions/?apikey=k&project_id=1", status: 200,
			answer: envelope(`[]`), badRequest: true},

		// Answers that break the wire.
		{name: "status not lowercase", method: "GET", path: "faas/function/orders/", status: 200,
			answer: envelope(`{"name":"orders","status":"Running"}`), badAnswer: true},
		{name: "code as a string", method: "GET", path: "faas/function/orders/", status: 200,
			answer: `{"code":"200","data":` + function + `,"errors":{},"message":"Success"}`, badAnswer: true},
		{name: "memory as a string", method: "GET", path: "faas/function/orders/", status: 200,
			answer: envelope(strings.Replace(function, `"memory":512`, `"memory":"512"`, 1)), badAnswer: true},
		{name: "errors as a list", method: "GET", path: "faas/functions/", status: 200,
			answer: `{"code":200,"data":[],"errors":[],"message":"Success"}`, badAnswer: true},
		{name: "no envelope", method: "GET", path: "faas/function/orders/", status: 200, answer: function, badAnswer: true},
		{name: "not found with data", method: "GET", path: "faas/function/orders/", status: 200,
			answer: `{"code":404,"data":{"name":"orders"},"errors":{},"message":"not found"}`, badAnswer: true},
		{name: "function without status", method: "GET", path: "faas/function/orders/", status: 200,
			answer: envelope(`{"name":"orders"}`), badAnswer: true},
		{name: "error without envelope", method: "POST", path: "faas/functions/", body: createBody, status: 409,
			answer: `{"code":409,"message":"taken","errors":{}}`, badAnswer: true},
		{name: "429 without Retry-After", method: "GET", path: "faas/functions/", status: 429,
			answer: `{"code":429,"data":null,"errors":{},"message":"slow down"}`, badAnswer: true},
	} {
		t.Run(x.name, func(t *testing.T) {
			path := x.path
			if !strings.Contains(path, "?") {
				path += maQuery
			}
			r := httptest.NewRequest(x.method, "http://127.0.0.1"+api.MyAccountBasePath+path, strings.NewReader(x.body))
			r.Header.Set("Authorization", "Bearer t")
			if x.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			err := checker.CheckRequest(r, []byte(x.body))
			if (err != nil) != x.badRequest {
				t.Errorf("request: got %v, want failure %v", err, x.badRequest)
			}
			header := http.Header{"Content-Type": {"application/json"}}
			for k, v := range x.header {
				header.Set(k, v)
			}
			err = checker.CheckResponse(r, []byte(x.body), x.status, header, []byte(x.answer))
			if (err != nil) != x.badAnswer {
				t.Errorf("answer: got %v, want failure %v", err, x.badAnswer)
			}
		})
	}
}

// The two checkers judge only their own dialect's paths, so they chain.
func TestCheckersChain(t *testing.T) {
	faasV1, _ := checkers(t)
	if faasV1.BasePath() != api.BasePath || !faasV1.Covers(api.BasePath+"functions") || faasV1.Covers(api.MyAccountBasePath+"faas/functions/") {
		t.Error("the faas-v1 checker covers the wrong paths")
	}
	if !api.IsMyAccountPath(api.MyAccountBasePath+"faas/runtimes/") || api.IsContractPath(api.MyAccountBasePath+"faas/runtimes/") {
		t.Error("IsMyAccountPath or IsContractPath is wrong")
	}
	answers := map[string]string{
		api.BasePath + "runtimes":                  `{"runtimes":[]}`,
		api.MyAccountBasePath + "faas/runtimes/":   envelope(`[]`),
		api.MyAccountBasePath + "faas/function/x/": `{"code":404,"data":null,"errors":{},"message":"function x not found"}`,
		"/_local/requests":                         `anything`,
	}
	server := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(answers[r.URL.Path]))
	})
	var problems []error
	report := func(err error) { problems = append(problems, err) }
	h, err := api.CheckingBoth(server, report)
	if err != nil {
		t.Fatal(err)
	}
	for path := range answers {
		q := "?apikey=k"
		if strings.HasPrefix(path, api.MyAccountBasePath) {
			q = maQuery
		}
		r := httptest.NewRequest("GET", path+q, nil)
		r.Header.Set("Authorization", "Bearer t")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	if len(problems) > 0 {
		t.Errorf("valid exchanges reported: %v", problems)
	}

	answers[api.MyAccountBasePath+"faas/runtimes/"] = `{"runtimes":[]}` // a faas-v1 answer on a MyAccount path
	r := httptest.NewRequest("GET", api.MyAccountBasePath+"faas/runtimes/"+maQuery, nil)
	r.Header.Set("Authorization", "Bearer t")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), "response 200") {
		t.Errorf("problems %v, want one about the answer", problems)
	}
}

// Route names a request by the document's path, with the parameters as the
// document names them; a request the document has no route for has none.
func TestRoute(t *testing.T) {
	faasV1, myAccount := checkers(t)
	for _, tc := range []struct {
		checker      *api.Checker
		method, path string
		want         string
	}{
		{myAccount, "GET", "/myaccount/api/v1/faas/function/hello/", "faas/function/{name}/"},
		{myAccount, "PUT", "/proxy" + api.MyAccountBasePath + "faas/handler_file/hello/", "faas/handler_file/{name}/"},
		{myAccount, "GET", api.MyAccountBasePath + "faas/runtimes/", "faas/runtimes/"},
		{myAccount, "GET", api.MyAccountBasePath + "faas/nothing/", ""},
		{myAccount, "GET", "/elsewhere/faas/runtimes/", ""},
		{faasV1, "GET", api.BasePath + "functions/0b6c", "functions/{id}"},
	} {
		got, ok := tc.checker.Route(tc.method, tc.path)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Route(%s %s) = %q, %v; want %q", tc.method, tc.path, got, ok, tc.want)
		}
	}
}

// checkers are the checkers of both documents.
func checkers(t *testing.T) (faasV1, myAccount *api.Checker) {
	t.Helper()
	faasV1, err := api.NewChecker()
	if err != nil {
		t.Fatal(err)
	}
	myAccount, err = api.NewMyAccountChecker()
	if err != nil {
		t.Fatal(err)
	}
	return faasV1, myAccount
}
