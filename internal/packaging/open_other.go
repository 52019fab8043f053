// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

//go:build !unix

package packaging

import "os"

// openNoBlock opens path for reading. Outside Unix, named pipes do not live
// in ordinary directories, so the Stat that openRegular makes first is
// check enough.
func openNoBlock(path string) (*os.File, error) { return os.Open(path) }
