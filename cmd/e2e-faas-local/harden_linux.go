// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// hardenProcess makes this process non-dumpable: /proc/<pid>/environ, mem
// and the like turn root's, and ptrace is refused, to processes of the same
// user, which the functions run as. The workers, started with exec, are
// dumpable again, and their environment never holds the server's
// credentials. /proc/<pid>/cmdline stays readable to all, which is why the
// credentials are best given through the environment.
func hardenProcess() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("cannot make the process non-dumpable (PR_SET_DUMPABLE): %w; functions may read its environment", err)
	}
	return nil
}
