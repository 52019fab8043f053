// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"fmt"

	"github.com/hashicorp/go-uuid"
)

// newUUID returns a random (version 4) UUID, as the platform's ids are.
// go-uuid's GenerateUUID leaves every bit random, version and variant
// included, so this draws and formats with go-uuid and sets those bits
// itself (RFC 9562, section 5.4).
func newUUID() string {
	b, err := uuid.GenerateRandomBytes(16)
	if err != nil {
		panic(fmt.Sprintf("localfaas: no random bytes for a UUID: %v", err)) // crypto/rand does not fail
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10
	id, err := uuid.FormatUUID(b)
	if err != nil {
		panic(fmt.Sprintf("localfaas: %v", err)) // 16 bytes always format
	}
	return id
}
