// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
	"io"
)

// The platform's limits on uploads: packaging's, so the provider's plan-time
// checks and the server's answers agree on the number and the words.
const (
	maxArchiveBytes  = packaging.MaxArchiveSize
	maxExtractedSize = packaging.MaxUncompressedSize
)

// archiveTooLarge is why an archive of size bytes is refused, in packaging's
// words, or "" when its size is allowed.
func archiveTooLarge(size int) string {
	if int64(size) > maxArchiveBytes {
		return packaging.ArchiveTooLargeText(int64(size))
	}
	return ""
}

// Field names of the requests that change a function.
var (
	settingFields     = []string{"runtime", "template", "handler_function", "code_archive", "requirements", "config", "environment", "secrets", "labels", "annotations"}
	createFields      = append([]string{"name"}, settingFields...)
	codeFields        = []string{"code_archive", "requirements", "handler_function", "template"}
	configFields      = []string{"memory_mb", "timeout_seconds", "replicas", "hardware_type", "min_scale", "max_scale"}
	environmentFields = []string{"environment", "secrets"}
	metadataFields    = []string{"labels", "annotations"}
)

// patch holds the fields a request sets; nil means absent. With replace,
// absent fields take their defaults, as on create.
type patch struct {
	replace                                          bool
	Runtime, Template, HandlerFunction, Requirements *string
	Code                                             *code
	Config                                           configPatch
	Environment, Labels, Annotations                 map[string]string
	Secrets                                          []string
}

type configPatch struct {
	MemoryMB, TimeoutSeconds, Replicas, MinScale, MaxScale *int
	HardwareType                                           *string
}

// code is a decoded archive with what the server learns from it up front, so
// that no archive work happens under the store's lock.
type code struct {
	archive []byte
	sha256  string
	// unpackErr says why the archive cannot be unpacked; "" when it can.
	unpackErr string
}

func newCode(archive []byte) *code {
	sum := sha256.Sum256(archive)
	c := &code{archive: archive, sha256: hex.EncodeToString(sum[:])}
	if err := checkArchive(archive); err != nil {
		c.unpackErr = "code archive cannot be unpacked: " + err.Error()
	}
	return c
}

// checkArchive reads every entry, as a deploy would.
func checkArchive(archive []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return err
	}
	var total int64
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		n, err := io.Copy(io.Discard, io.LimitReader(rc, maxExtractedSize-total+1))
		_ = rc.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		if total += n; total > maxExtractedSize {
			return fmt.Errorf("it expands to more than E2E's limit of %d bytes", maxExtractedSize)
		}
	}
	return nil
}

// decodePatch reads the function fields present in o.
func decodePatch(o *object) *patch {
	p := &patch{
		Runtime:         o.str("runtime"),
		Template:        o.str("template"),
		HandlerFunction: o.str("handler_function"),
		Requirements:    o.str("requirements"),
		Environment:     o.strMap("environment"),
		Secrets:         o.strList("secrets"),
		Labels:          o.strMap("labels"),
		Annotations:     o.strMap("annotations"),
	}
	if s := o.str("code_archive"); s != nil {
		archive, err := base64.StdEncoding.DecodeString(*s)
		switch {
		case err != nil:
			o.errs.Add(o.path("code_archive"), "must be standard base64 (RFC 4648, padded): %v", err)
		case archiveTooLarge(len(archive)) != "":
			o.errs.Add(o.path("code_archive"), "%s", archiveTooLarge(len(archive)))
		default:
			// The same checks the provider makes at plan time, for clients
			// that skip it: not a ZIP, unsafe or duplicate entries, links,
			// size limits and compression bombs are refused here.
			if err := packaging.CheckArchive(bytes.NewReader(archive), int64(len(archive))); err != nil {
				o.errs.Add(o.path("code_archive"), "%s", err.Error())
				break
			}
			p.Code = newCode(archive)
		}
	}
	if c := o.object("config", configFields...); c != nil {
		p.Config = decodeConfigPatch(c)
	}
	return p
}

func decodeConfigPatch(o *object) configPatch {
	return configPatch{
		MemoryMB:       o.integer("memory_mb"),
		TimeoutSeconds: o.integer("timeout_seconds"),
		Replicas:       o.integer("replicas"),
		HardwareType:   o.str("hardware_type"),
		MinScale:       o.integer("min_scale"),
		MaxScale:       o.integer("max_scale"),
	}
}

// applyTo sets the present fields on f.
func (p *patch) applyTo(f *Function) {
	set(&f.Runtime, p.Runtime)
	set(&f.Template, p.Template)
	set(&f.HandlerFunction, p.HandlerFunction)
	set(&f.Requirements, p.Requirements)
	if p.Code != nil {
		f.CodeArchive = p.Code.archive
		f.CodeSHA256 = p.Code.sha256
		f.Code = "" // the code is an archive now, not one handler file's text
	}
	p.Config.applyTo(&f.Config)
	if p.Environment != nil {
		f.Environment = p.Environment
	}
	if p.Secrets != nil {
		f.Secrets = p.Secrets
	}
	if p.Labels != nil {
		f.Labels = p.Labels
	}
	if p.Annotations != nil {
		f.Annotations = p.Annotations
	}
}

func (p configPatch) applyTo(c *Config) {
	set(&c.MemoryMB, p.MemoryMB)
	set(&c.TimeoutSeconds, p.TimeoutSeconds)
	set(&c.Replicas, p.Replicas)
	set(&c.HardwareType, p.HardwareType)
	set(&c.MinScale, p.MinScale)
	set(&c.MaxScale, p.MaxScale)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// resetSettings gives f the defaults of a new function for everything a
// create or full update sets.
func resetSettings(f *Function) {
	f.Runtime = ""
	f.Template = "http"
	f.HandlerFunction = "handle"
	f.Requirements = ""
	f.Config = Config{MemoryMB: 128, TimeoutSeconds: 30, Replicas: 1, HardwareType: "cpu", MinScale: 1, MaxScale: 5}
	f.Environment = map[string]string{}
	f.Secrets = []string{}
	f.Labels = map[string]string{}
	f.Annotations = map[string]string{}
}
