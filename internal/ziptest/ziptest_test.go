// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package ziptest_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"io"
	"testing"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/ziptest"
)

func TestBuild(t *testing.T) {
	files := map[string]string{"b/handler.py": "print('b')\n", "a.txt": "a"}
	data := ziptest.Build(files)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != files[f.Name] {
			t.Errorf("%s holds %q", f.Name, got)
		}
	}
	if len(names) != 2 || names[0] != "a.txt" || names[1] != "b/handler.py" {
		t.Errorf("entries %q, want them in name order", names)
	}
	if !bytes.Equal(ziptest.Build(files), data) {
		t.Error("two builds of the same files differ")
	}
	if ziptest.Base64(files) != base64.StdEncoding.EncodeToString(data) {
		t.Error("Base64 is not the archive's base64")
	}
}
