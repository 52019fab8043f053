// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package catalogue

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Limits are what a dialect accepts for a function's name, memory and
// timeout. The provider's validators and plan-time checks, the client's
// capabilities and the local server's validation all read them from
// [FaaSV1Limits] and [MyAccountLimits]; a test holds them equal to the
// schemas of internal/api/openapi.yaml and myaccount.yaml.
type Limits struct {
	// NameMin and NameMax bound a function name's length.
	NameMin, NameMax int
	// NamePattern is the regular expression every function name matches.
	NamePattern string
	// MemoryMinMB and MemoryMaxMB bound memory_mb when MemoryChoicesMB is
	// empty.
	MemoryMinMB, MemoryMaxMB int64
	// MemoryChoicesMB, when not empty, are the only memory sizes accepted.
	MemoryChoicesMB []int64
	// TimeoutMaxSeconds is the longest timeout; the shortest is 1 s.
	TimeoutMaxSeconds int64
}

// TimeoutMinSeconds is every dialect's shortest timeout.
const TimeoutMinSeconds = 1

var (
	// FaaSV1Limits are internal/api/openapi.yaml's FunctionName and
	// FunctionConfig schemas.
	FaaSV1Limits = Limits{
		NameMin: 3, NameMax: 63, NamePattern: `^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`,
		MemoryMinMB: 64, MemoryMaxMB: 8192,
		TimeoutMaxSeconds: 900,
	}
	// MyAccountLimits are internal/api/myaccount.yaml's Name, Memory and
	// Timeout schemas.
	MyAccountLimits = Limits{
		NameMin: 3, NameMax: 40, NamePattern: `^[a-z][a-z0-9-]*$`,
		MemoryChoicesMB:   []int64{128, 256, 512, 1024},
		TimeoutMaxSeconds: 600,
	}
)

// MemoryAccepted says whether the dialect accepts mb.
func (l Limits) MemoryAccepted(mb int64) bool {
	if len(l.MemoryChoicesMB) > 0 {
		return slices.Contains(l.MemoryChoicesMB, mb)
	}
	return mb >= l.MemoryMinMB && mb <= l.MemoryMaxMB
}

// JoinValues is a list of accepted values as messages give it: "128, 256,
// 512". The provider and the local server write MemoryChoicesMB with it.
func JoinValues(values []int64) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(parts, ", ")
}

// namePatterns holds each NamePattern compiled, once.
var namePatterns sync.Map // string → *regexp.Regexp

// NameFits says whether name is within the dialect's name length and
// pattern.
func (l Limits) NameFits(name string) bool {
	if len(name) < l.NameMin || len(name) > l.NameMax {
		return false
	}
	return namePattern(l.NamePattern).MatchString(name)
}

// namePattern is the pattern compiled, once.
func namePattern(pattern string) *regexp.Regexp {
	if v, ok := namePatterns.Load(pattern); ok {
		if re, ok := v.(*regexp.Regexp); ok {
			return re
		}
	}
	re := regexp.MustCompile(pattern)
	namePatterns.Store(pattern, re)
	return re
}

// ProjectIDPattern is what a MyAccount project_id is: a positive integer of
// at most 18 digits, so that every one fits an int64 (a 19-digit number
// may not). internal/api/myaccount.yaml's project_id parameter has the same
// pattern; the provider, the client and the local server all check it.
const ProjectIDPattern = `^[1-9][0-9]{0,17}$`

var projectIDRE = regexp.MustCompile(ProjectIDPattern)

// IsProjectID says whether s is a MyAccount project_id ([ProjectIDPattern]).
func IsProjectID(s string) bool { return projectIDRE.MatchString(s) }
