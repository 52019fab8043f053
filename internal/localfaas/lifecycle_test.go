// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/localfaas"
)

func delays(deploy, del time.Duration) func(*localfaas.Options) {
	return func(o *localfaas.Options) { o.DeployDelay, o.DeleteDelay = deploy, del }
}

func TestDeployTakesDeployDelay(t *testing.T) {
	envelopes(t, func(t *testing.T, h *harness) {
		f := h.create(minimal("slow-deploy"))
		h.clock.Advance(9 * time.Second)
		if got := h.get(f.ID); got.Status != "Deploying" {
			t.Fatalf("after 9s: %s", got.Status)
		}
		h.clock.Advance(time.Second)
		got := h.get(f.ID)
		if got.Status != "Running" || got.Version != "v1" || got.ErrorMessage != "" {
			t.Fatalf("after 10s: %+v", got)
		}
		if got.UpdatedAt != f.UpdatedAt {
			t.Errorf("settling a deploy is not an update: %s -> %s", f.UpdatedAt, got.UpdatedAt)
		}
	}, delays(10*time.Second, 0))
}

// Archives the provider refuses at plan time are refused here too (400), for
// clients that skip it.
func TestUnsafeArchivesAreRefused(t *testing.T) {
	h := newHarness(t, delays(time.Second, 0))
	corrupt := zipBytes(map[string]string{"a.txt": strings.Repeat("a", 100)})
	corrupt[len("PK\x03\x04")+26+len("a.txt")] ^= 0xff // first byte of the stored data
	for name, archive := range map[string][]byte{
		"not a zip":     []byte("this is not a zip file"),
		"corrupt entry": corrupt,
		"zip slip":      zipBytes(map[string]string{"../../etc/evil": "x"}),
	} {
		r := h.do("POST", "functions", with(minimal("bad-zip"), "code_archive", b64(archive)))
		r.want(t, http.StatusBadRequest)
		if !strings.Contains(string(r.Body), "code_archive") {
			t.Errorf("%s: %s", name, r.Body)
		}
	}
	if n := len(h.srv.Functions()); n != 0 {
		t.Errorf("%d functions created from refused archives", n)
	}
}

// An archive that cannot be unpacked, put in place outside the API, fails the
// deploy with the reason; new code deploys again.
func TestDeployFailsOnUnreadableArchive(t *testing.T) {
	h := newHarness(t, delays(time.Second, 0))
	f := h.create(minimal("bad-zip"))
	h.clock.Advance(time.Second)
	if err := h.srv.UpdateFunction(f.ID, func(fn *localfaas.Function) {
		fn.CodeArchive = []byte("this is not a zip file")
		fn.Status = localfaas.StatusDeploying
	}); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Second)
	got := h.get(f.ID)
	if got.Status != "Failed" || !strings.Contains(got.ErrorMessage, "cannot be unpacked") || !strings.Contains(got.ErrorMessage, "zip") {
		t.Fatalf("got %s %q", got.Status, got.ErrorMessage)
	}
	var logs struct {
		Logs []struct{ Stream, Message string }
	}
	h.decode(h.do("GET", "functions/"+f.ID+"/logs", nil), &logs)
	last := logs.Logs[len(logs.Logs)-1]
	if last.Stream != "stderr" || !strings.Contains(last.Message, "failed") {
		t.Errorf("last log line %+v", last)
	}

	// New code deploys again; a good archive runs.
	r := h.do("PUT", "functions/"+f.ID+"/code", map[string]any{"code_archive": zipB64(nil)}).want(t, http.StatusOK)
	if f := h.function(r); f.Status != "Deploying" || f.ErrorMessage != "" {
		t.Errorf("redeploy answered %+v", f)
	}
	h.clock.Advance(time.Second)
	if got := h.get(f.ID); got.Status != "Running" || got.ErrorMessage != "" {
		t.Errorf("after fix: %s %q", got.Status, got.ErrorMessage)
	}
}

func TestFailNextDeploy(t *testing.T) {
	h := newHarness(t)
	h.srv.FailNextDeploy("image pull failed: quota exceeded")
	f := h.create(minimal("doomed"))
	got := h.get(f.ID)
	if got.Status != "Failed" || got.ErrorMessage != "image pull failed: quota exceeded" {
		t.Fatalf("got %s %q", got.Status, got.ErrorMessage)
	}
	// Only the next deploy fails.
	h.do("POST", "functions/"+f.ID+"/deploy", nil).want(t, http.StatusOK)
	if got := h.get(f.ID); got.Status != "Running" || got.Version != "v2" {
		t.Fatalf("redeploy: %s %s", got.Status, got.Version)
	}
	// A redeploy fails too, and a Failed function can be deleted.
	h.srv.FailNextDeploy("")
	h.do("PUT", "functions/"+f.ID+"/config", map[string]any{"memory_mb": 256}).want(t, http.StatusOK)
	if got := h.get(f.ID); got.Status != "Failed" || got.ErrorMessage == "" {
		t.Fatalf("failed redeploy: %s %q", got.Status, got.ErrorMessage)
	}
	h.do("DELETE", "functions/"+f.ID, nil).want(t, http.StatusAccepted)
}

func TestRedeploySupersedesDeployInFlight(t *testing.T) {
	h := newHarness(t, delays(10*time.Second, 0))
	f := h.create(minimal("superseded"))
	h.clock.Advance(5 * time.Second)
	r := h.do("PUT", "functions/"+f.ID+"/config", map[string]any{"memory_mb": 512}).want(t, http.StatusOK)
	if got := h.function(r); got.Status != "Deploying" || got.Version != "v2" {
		t.Fatalf("update answered %s %s", got.Status, got.Version)
	}
	h.clock.Advance(5 * time.Second) // v1 would have finished now
	if got := h.get(f.ID); got.Status != "Deploying" || got.Version != "v2" {
		t.Fatalf("the timer must restart: %s %s", got.Status, got.Version)
	}
	h.clock.Advance(5 * time.Second)
	if got := h.get(f.ID); got.Status != "Running" || got.Version != "v2" || got.Config.MemoryMB != 512 {
		t.Fatalf("got %s %s", got.Status, got.Version)
	}
	var logs struct{ Logs []struct{ Message string } }
	h.decode(h.do("GET", "functions/"+f.ID+"/logs", nil), &logs)
	var all []string
	for _, l := range logs.Logs {
		all = append(all, l.Message)
	}
	joined := strings.Join(all, "\n")
	if !strings.Contains(joined, "deploy v1 superseded by v2") || strings.Contains(joined, "deploy v1 finished") {
		t.Errorf("logs:\n%s", joined)
	}
}

func TestDelete(t *testing.T) {
	envelopes(t, func(t *testing.T, h *harness) {
		f := h.create(minimal("short-lived"))

		r := h.do("DELETE", "functions/"+f.ID, nil).want(t, http.StatusConflict)
		if e := errorOf(t, r); !strings.Contains(e.Message, "Running or Failed") {
			t.Errorf("409 message %q", e.Message)
		}
		h.clock.Advance(2 * time.Second)

		d := h.function(h.do("DELETE", "functions/"+f.ID, nil).want(t, http.StatusAccepted))
		if d.Status != "Deleting" || d.ID != f.ID {
			t.Fatalf("delete answered %+v", d)
		}
		if got := h.get(f.ID); got.Status != "Deleting" {
			t.Fatalf("while deleting: %s", got.Status)
		}
		if d := h.function(h.do("DELETE", "functions/"+f.ID, nil).want(t, http.StatusAccepted)); d.Status != "Deleting" {
			t.Errorf("second delete answered %s", d.Status)
		}
		h.do("PUT", "functions/"+f.ID+"/config", map[string]any{"memory_mb": 256}).want(t, http.StatusConflict)
		h.do("PUT", "functions/"+f.ID+"/metadata", map[string]any{"labels": map[string]string{}}).want(t, http.StatusConflict)
		h.do("POST", "functions", minimal("short-lived")).want(t, http.StatusConflict)

		h.clock.Advance(time.Second)
		errorOf(t, h.do("GET", "functions/"+f.ID, nil).want(t, http.StatusNotFound))
		h.do("DELETE", "functions/"+f.ID, nil).want(t, http.StatusNotFound)
		if _, ok := h.srv.Function(f.ID); ok {
			t.Errorf("still stored")
		}
		// The name is free again.
		if again := h.create(minimal("short-lived")); again.ID == f.ID {
			t.Errorf("reused id")
		}
	}, delays(2*time.Second, time.Second))
}

func TestZeroDelays(t *testing.T) {
	// As the provider's acceptance tests run it: each answer moves one step.
	h := newHarness(t)
	f := h.create(minimal("instant"))
	if f.Status != "Deploying" {
		t.Fatalf("create answered %s", f.Status)
	}
	if got := h.get(f.ID); got.Status != "Running" {
		t.Fatalf("then %s", got.Status)
	}
	if d := h.function(h.do("DELETE", "functions/"+f.ID, nil).want(t, http.StatusAccepted)); d.Status != "Deleting" {
		t.Fatalf("delete answered %s", d.Status)
	}
	h.do("GET", "functions/"+f.ID, nil).want(t, http.StatusNotFound)
}
