// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package runner

import (
	"errors"
	"strings"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

// The runner's languages, and its reasons for the rest, are the catalogue's,
// for both dialects.
func TestLocalFactsAreTheCatalogue(t *testing.T) {
	r := newRunner(t)
	for _, c := range []catalogue.Catalogue{catalogue.FaaSV1, catalogue.MyAccount} {
		for _, rt := range c {
			if got := runtimeKinds[rt.Name]; got != rt.Language {
				t.Errorf("%s: language %q, the catalogue says %q", rt.Name, got, rt.Language)
			}
			if rt.Language != "" {
				continue
			}
			err := r.Runs(rt.Name, catalogue.DefaultTemplate)
			var ne *NotExecutableError
			if !errors.As(err, &ne) || !strings.Contains(err.Error(), "not executable locally: "+rt.NotLocal+"; deploy it to E2E") {
				t.Errorf("%s: %v", rt.Name, err)
			}
		}
	}
	if err := r.Runs("cobol", "http"); err == nil || !strings.Contains(err.Error(), "the local server does not know it") {
		t.Errorf("an unknown runtime: %v", err)
	}
}
