// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestValidation(t *testing.T) {
	h := newHarness(t)
	h.createSecret("exists", "value-of-exists-42")
	cfg := func(kv ...any) map[string]any {
		c := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			c[kv[i].(string)] = kv[i+1]
		}
		return c
	}
	cases := []struct {
		name  string
		body  map[string]any
		field string
		// schema says whether internal/api/openapi.yaml itself rejects the request;
		// the other rules are the server's alone.
		schema bool
	}{
		{"name with capitals", with(minimal(""), "name", "Bad-Name"), "name", true},
		{"name ending in hyphen", with(minimal(""), "name", "bad-"), "name", true},
		{"name too short", with(minimal(""), "name", "ab"), "name", true},
		{"name too long", with(minimal(""), "name", strings.Repeat("a", 64)), "name", true},
		{"name missing", with(minimal("x"), "name", nil), "name", true},
		{"runtime unknown", with(minimal("rtm"), "runtime", "python2"), "runtime", true},
		{"runtime missing", with(minimal("rtm"), "runtime", nil), "runtime", true},
		{"template unknown", with(minimal("tpl"), "template", "django"), "template", true},
		{"template not offered by runtime", with(minimal("tpl"), "runtime", "node20", "template", "flask"), "template", false},
		{"handler empty", with(minimal("hdl"), "handler_function", ""), "handler_function", true},
		{"hardware unknown", with(minimal("hwt"), "config", cfg("hardware_type", "tpu")), "config.hardware_type", true},
		{"hardware not offered by runtime", with(minimal("hwt"), "config", cfg("hardware_type", "gpu")), "config.hardware_type", false},
		{"memory too small", with(minimal("mem"), "config", cfg("memory_mb", 63)), "config.memory_mb", true},
		{"memory too large", with(minimal("mem"), "config", cfg("memory_mb", 8193)), "config.memory_mb", true},
		{"timeout zero", with(minimal("tmo"), "config", cfg("timeout_seconds", 0)), "config.timeout_seconds", true},
		{"timeout too long", with(minimal("tmo"), "config", cfg("timeout_seconds", 901)), "config.timeout_seconds", true},
		{"replicas zero", with(minimal("rep"), "config", cfg("replicas", 0)), "config.replicas", true},
		{"replicas six", with(minimal("rep"), "config", cfg("replicas", 6)), "config.replicas", true},
		{"replicas on gpu", with(minimal("rep"), "runtime", "pytorch2.1.2", "config", cfg("hardware_type", "gpu", "replicas", 2)), "config.replicas", false},
		{"min_scale negative", with(minimal("scl"), "config", cfg("min_scale", -1)), "config.min_scale", true},
		{"max_scale zero", with(minimal("scl"), "config", cfg("min_scale", 0, "max_scale", 0)), "config.max_scale", true},
		{"max_scale too large", with(minimal("scl"), "config", cfg("max_scale", 101)), "config.max_scale", true},
		{"min_scale above max_scale", with(minimal("scl"), "config", cfg("min_scale", 6, "max_scale", 5)), "config.min_scale", false},
		{"memory not an integer", with(minimal("typ"), "config", cfg("memory_mb", "128")), "config.memory_mb", true},
		{"environment key pattern", with(minimal("env"), "environment", map[string]string{"1BAD": "x"}), "environment.1BAD", false},
		{"environment key too long", with(minimal("env"), "environment", map[string]string{strings.Repeat("K", 51): "x"}), "environment." + strings.Repeat("K", 51), false},
		{"environment PORT reserved", with(minimal("env"), "environment", map[string]string{"PORT": "8080"}), "environment.PORT", false},
		{"environment value not a string", with(minimal("env"), "environment", map[string]any{"N": 1}), "environment.N", true},
		{"label reserved", with(minimal("lbl"), "labels", map[string]string{"com.openfaas.scale.min": "2"}), "labels.com.openfaas.scale.min", false},
		{"secret missing", with(minimal("sec"), "secrets", []string{"exists", "nope"}), "secrets", false},
		{"secret twice", with(minimal("sec"), "secrets", []string{"exists", "exists"}), "secrets", false},
		{"code_archive not base64", with(minimal("zip"), "code_archive", "not base64!"), "code_archive", true},
		{"code_archive unpadded", with(minimal("zip"), "code_archive", "UEsFBg"), "code_archive", false},
		{"code_archive missing", with(minimal("zip"), "code_archive", nil), "code_archive", true},
		{"unknown field", with(minimal("unk"), "memory_mb", 128), "memory_mb", true},
		{"unknown config field", with(minimal("unk"), "config", cfg("cpu", 1)), "config.cpu", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := h.tolerated.Load()
			r := h.send(call{Method: "POST", Path: "functions", Body: tc.body, Invalid: true}).want(t, http.StatusBadRequest)
			if flagged := h.tolerated.Load() > before; flagged != tc.schema {
				t.Errorf("the contract checker flagged the request: %v, want %v", flagged, tc.schema)
			}
			e := errorOf(t, r)
			if len(e.Errors[tc.field]) == 0 || len(e.Errors) != 1 {
				t.Errorf("errors %v, want exactly %q", e.Errors, tc.field)
			}
		})
	}
	// The valid neighbours of some cases pass.
	for _, body := range []map[string]any{
		with(minimal("gpu-ok"), "runtime", "tensorflow2.19.0", "config", cfg("hardware_type", "gpu")),
		with(minimal("tpl-ok"), "runtime", "go1.21", "template", "go"),
		with(minimal("edge-ok"), "config", cfg("memory_mb", 64, "timeout_seconds", 900, "replicas", 5, "min_scale", 0, "max_scale", 1)),
		with(minimal("env-ok"), "environment", map[string]string{"_X9": "1", strings.Repeat("K", 50): "x"}, "secrets", []string{"exists"}),
	} {
		h.create(body)
	}
	if len(h.srv.Functions()) != 4 {
		t.Errorf("%d functions stored; rejected creates must store nothing", len(h.srv.Functions()))
	}
}

func TestValidationCollectsEveryProblem(t *testing.T) {
	h := newHarness(t)
	r := h.invalid("POST", "functions", map[string]any{
		"name": "X", "runtime": "cobol", "code_archive": "%%%",
		"config":      map[string]any{"memory_mb": 1, "min_scale": 9, "max_scale": 2},
		"environment": map[string]string{"PORT": "1"},
		"secrets":     []string{"missing"},
		"extra":       true,
	}).want(t, http.StatusBadRequest)
	e := errorOf(t, r)
	for _, field := range []string{"name", "runtime", "code_archive", "config.memory_mb", "config.min_scale", "environment.PORT", "secrets", "extra"} {
		if len(e.Errors[field]) == 0 {
			t.Errorf("no error for %s: %v", field, e.Errors)
		}
	}
}

func TestMalformedBodies(t *testing.T) {
	h := newHarness(t)
	for _, body := range [][]byte{nil, []byte("{"), []byte("[]"), []byte("null"), []byte(`"x"`)} {
		r := h.send(call{Method: "POST", Path: "functions", Body: body, Invalid: true}).want(t, http.StatusBadRequest)
		errorOf(t, r)
	}
	// The decoder's message must not quote the body, which may hold a secret.
	r := h.send(call{Method: "POST", Path: "secrets", Body: []byte(`{"name":"a","value":"hunter2-secret"`), Invalid: true}).
		want(t, http.StatusBadRequest)
	if strings.Contains(string(r.Body), "hunter2") {
		t.Errorf("error quotes the body: %s", r.Body)
	}
}
