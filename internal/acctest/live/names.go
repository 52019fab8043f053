// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package live

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// Prefix starts the name of everything a live run makes; the sweeper
// deletes nothing else.
const Prefix = "tf-acc-"

// Name is a fresh name for a function of a run: the prefix and ten random
// hexadecimal digits, within E2E's rules (lowercase letters, digits and
// hyphens, a letter first, at most 40 characters).
func Name() string {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		panic("live: no randomness: " + err.Error())
	}
	return Prefix + hex.EncodeToString(b)
}

// Ours reports whether a name is one a run may have made.
func Ours(name string) bool {
	return strings.HasPrefix(name, Prefix) && len(name) > len(Prefix)
}
