// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

//go:build !unix

package runner

import (
	"errors"
	"os/exec"
)

func platformSupported() error {
	return errors.New("running functions locally needs a Unix-like system (Linux or macOS); start e2e-faas-local with -run=false")
}

func setProcessGroup(*exec.Cmd) {}

func killGroup(int) error { return nil }

func limitMemory(pid, mb int) error { return errors.New("not supported") }
