// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

//go:build !linux

package runner

import (
	"errors"
	"time"
)

// Without Linux's subreaper and /proc, only process groups are killed.

func becomeSubreaper() error { return errors.New("child subreapers are a Linux feature") }

func startTime(int) (uint64, bool) { return 0, false }

func (t *tracker) sweep(func(string) bool) bool { return false }

func (t *tracker) end(func(string) bool, time.Time) {}

func (t *tracker) monitor() { close(t.monitorDone) }
