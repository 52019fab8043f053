// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"regexp"
	"slices"
	"strings"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

var (
	functionNameRE = regexp.MustCompile(v1Limits.NamePattern)
	secretNameRE   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$`)
	namespaceRE    = functionNameRE
	envKeyRE       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	sha256RE       = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// v1Limits are faas-v1's name, memory and timeout limits.
var v1Limits = catalogue.FaaSV1Limits

const (
	maxEnvKeyLen        = 50
	reservedLabelPrefix = "com.openfaas."
)

func validateFunctionName(name string, errs fieldErrors) {
	if len(name) < v1Limits.NameMin || len(name) > v1Limits.NameMax {
		errs.Add("name", "must be %d to %d characters long (got %d)", v1Limits.NameMin, v1Limits.NameMax, len(name))
	}
	if !functionNameRE.MatchString(name) {
		errs.Add("name", "must be lowercase letters, digits and hyphens, starting and ending with a letter or digit")
	}
}

// validateFunctionLocked checks the settings of f, as a request would store
// them, against the platform's rules; old is the function before an update,
// nil on create. Keys of environment and labels, and secret names, that old
// already held pass unchecked: the platform may have set them itself, and a
// request that keeps them is not the one adding them. The caller holds s.mu,
// since secrets must exist in the function's namespace. Keys are paths in
// the function object.
func (s *Server) validateFunctionLocked(f, old *Function, errs fieldErrors) {
	if old == nil {
		old = &Function{}
	} else {
		validateChange(old, f, errs)
	}
	rt, rtOK := lookupRuntime(f.Runtime)
	// A runtime the function already has passes: one of the MyAccount
	// dialect's catalogue, say, for a function made through that dialect.
	kept := old.Runtime != "" && f.Runtime == old.Runtime
	if !rtOK && !kept && len(errs["runtime"]) == 0 { // not when already reported missing
		errs.Add("runtime", "must be one of %s", strings.Join(runtimeNames(), ", "))
	}
	switch {
	case !slices.Contains(templates, f.Template):
		errs.Add("template", "must be one of %s", strings.Join(templates, ", "))
	case rtOK && !slices.Contains(rt.Templates, f.Template):
		errs.Add("template", "%q is not offered by runtime %s; it offers %s", f.Template, rt.Name, strings.Join(rt.Templates, ", "))
	}
	if f.HandlerFunction == "" {
		errs.Add("handler_function", "must not be empty")
	}

	c := f.Config
	validateConfig(c, errs)
	if rtOK && slices.Contains(hardwareTypes, c.HardwareType) && !slices.Contains(rt.Hardware, c.HardwareType) {
		errs.Add("config.hardware_type", "%q is not offered by runtime %s; it runs on %s", c.HardwareType, rt.Name, strings.Join(rt.Hardware, ", "))
	}
	if c.Replicas > 1 && c.HardwareType != "cpu" {
		errs.Add("config.replicas", "more than 1 replica is available only on cpu hardware")
	}
	if c.MinScale > c.MaxScale {
		errs.Add("config.min_scale", "must not exceed config.max_scale (%d)", c.MaxScale)
	}

	for key := range f.Environment {
		if _, kept := old.Environment[key]; kept {
			continue
		}
		path := "environment." + key
		switch {
		case key == "PORT":
			errs.Add(path, "PORT is reserved by the platform")
		case len(key) > maxEnvKeyLen:
			errs.Add(path, "must be at most %d characters", maxEnvKeyLen)
		case !envKeyRE.MatchString(key):
			errs.Add(path, "must be letters, digits and underscores, not starting with a digit")
		}
	}
	for key := range f.Labels {
		if _, kept := old.Labels[key]; !kept && strings.HasPrefix(key, reservedLabelPrefix) {
			errs.Add("labels."+key, "labels starting with %q are reserved by the platform", reservedLabelPrefix)
		}
	}
	seen := map[string]bool{}
	for _, name := range f.Secrets {
		switch {
		case seen[name]:
			errs.Add("secrets", "secret %q is listed more than once", name)
		case !slices.Contains(old.Secrets, name) && s.secrets[secretKey{f.Namespace, name}] == nil:
			errs.Add("secrets", "secret %q does not exist in namespace %s; create it first", name, f.Namespace)
		}
		seen[name] = true
	}
}

// validateConfig checks what the contract's config object itself requires,
// so that every answer holding it is valid.
func validateConfig(c Config, errs fieldErrors) {
	if !slices.Contains(hardwareTypes, c.HardwareType) {
		errs.Add("config.hardware_type", "must be one of %s", strings.Join(hardwareTypes, ", "))
	}
	inRange(errs, "config.memory_mb", c.MemoryMB, int(v1Limits.MemoryMinMB), int(v1Limits.MemoryMaxMB))
	inRange(errs, "config.timeout_seconds", c.TimeoutSeconds, catalogue.TimeoutMinSeconds, int(v1Limits.TimeoutMaxSeconds))
	inRange(errs, "config.replicas", c.Replicas, 1, 5)
	inRange(errs, "config.min_scale", c.MinScale, 0, 100)
	inRange(errs, "config.max_scale", c.MaxScale, 1, 100)
}

// validateChange rejects what the platform cannot change after creation.
func validateChange(old, updated *Function, errs fieldErrors) {
	if updated.Runtime != old.Runtime {
		errs.Add("runtime", "cannot change after creation (is %s); create a new function instead", old.Runtime)
	}
	if updated.Config.HardwareType != old.Config.HardwareType {
		errs.Add("config.hardware_type", "cannot change after creation (is %s); create a new function instead", old.Config.HardwareType)
	}
}

func inRange(errs fieldErrors, field string, v, lo, hi int) {
	if v < lo || v > hi {
		errs.Add(field, "must be between %d and %d (got %d)", lo, hi, v)
	}
}
