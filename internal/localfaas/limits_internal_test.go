// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// The server's archive limit is packaging's, number and words: one byte over
// E2E's 50,000,000 bytes gets the message the provider gives at plan time
// (before, the server allowed 50 MiB and said so in its own words). The rule
// is checked on sizes, not on a 67 MB request, which under -race took two
// minutes to decode.
func TestArchiveLimitIsPackagings(t *testing.T) {
	limit := int(packaging.MaxArchiveSize)
	if got := archiveTooLarge(limit); got != "" {
		t.Errorf("an archive of exactly %d bytes is refused: %s", limit, got)
	}
	if got, want := archiveTooLarge(limit+1), packaging.ArchiveTooLargeText(int64(limit+1)); got != want {
		t.Errorf("an archive of %d bytes: %q, want %q", limit+1, got, want)
	}
}
