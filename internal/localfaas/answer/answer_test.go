// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package answer

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRecorder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(w http.ResponseWriter)
		want  int
	}{
		{"nothing written", func(http.ResponseWriter) {}, http.StatusOK},
		{"body only", func(w http.ResponseWriter) { _, _ = w.Write([]byte("x")) }, http.StatusOK},
		{"status", func(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated) }, http.StatusCreated},
		{"first status", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusAccepted)
			w.WriteHeader(http.StatusInternalServerError)
		}, http.StatusAccepted},
		{"status after body", func(w http.ResponseWriter) {
			_, _ = w.Write([]byte("x"))
			w.WriteHeader(http.StatusTeapot)
		}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			under := httptest.NewRecorder()
			w := Wrap(under)
			w.Header().Set("X-Seen", "yes")
			tc.write(w)
			if w.Status() != tc.want {
				t.Errorf("Wrap: Status %d, want %d", w.Status(), tc.want)
			}
			if under.Header().Get("X-Seen") != "yes" {
				t.Error("Wrap: the header did not reach the writer underneath")
			}
			if w.Unwrap() != under {
				t.Error("Wrap: Unwrap does not give the writer underneath")
			}

			d := Discard()
			d.Header().Set("Allow", "GET")
			tc.write(d)
			if d.Status() != tc.want || d.Header().Get("Allow") != "GET" {
				t.Errorf("Discard: Status %d, header %v; want %d and the header kept", d.Status(), d.Header(), tc.want)
			}
		})
	}
	if n, err := Discard().Write([]byte("abc")); n != 3 || err != nil {
		t.Errorf("Discard: Write = %d, %v", n, err)
	}
	if _, _, err := http.NewResponseController(Discard()).Hijack(); err == nil {
		t.Error("Discard: Hijack succeeded; want not supported")
	}
}
