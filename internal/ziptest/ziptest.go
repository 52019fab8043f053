// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Package ziptest builds the ZIP archives tests send as code: in memory,
// from names and contents.
package ziptest

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"io"
	"maps"
	"slices"
)

// Build returns a ZIP archive of the files, deflated, in name order.
// Writing to memory fails only on a bug, so it panics then.
func Build(files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(name)
		if err != nil {
			panic(err)
		}
		if _, err := io.WriteString(w, files[name]); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Base64 is Build's archive in standard base64, as the API's code_archive
// takes it.
func Base64(files map[string]string) string {
	return base64.StdEncoding.EncodeToString(Build(files))
}
