// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix && !linux

package runner

import (
	"errors"
	"syscall"
)

func setParentDeathSignal(*syscall.SysProcAttr) {}

func limitMemory(pid, mb int) error {
	return errors.New("memory limits of other processes are applied on Linux only")
}
