// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// encodeBody streams v as JSON, with the archive's bytes base64-encoded into
// "code_archive" as they are read: the archive is never held in memory, nor
// its base64 form, nor the JSON document.
func encodeBody(v any, code Archive) (io.Reader, error) {
	head, err := marshalJSON(v)
	if err != nil {
		return nil, err
	}
	if code == nil {
		return bytes.NewReader(head), nil
	}
	src, err := code.Open()
	if err != nil {
		return nil, fmt.Errorf("opening the code archive: %w", err)
	}
	head = bytes.TrimSuffix(head, []byte("}"))
	if len(head) > 1 {
		head = append(head, ',')
	}
	head = append(head, `"code_archive":"`...)
	pr, pw := io.Pipe()
	go func() {
		defer src.Close()
		enc := base64.NewEncoder(base64.StdEncoding, pw)
		_, err := io.Copy(enc, src)
		if err == nil {
			err = enc.Close()
		}
		if err != nil {
			pw.CloseWithError(fmt.Errorf("reading the code archive: %w", err))
			return
		}
		pw.Close()
	}()
	return &streamBody{Reader: io.MultiReader(bytes.NewReader(head), pr, strings.NewReader(`"}`)), pipe: pr}, nil
}

// marshalJSON is json.Marshal without HTML escaping: the API reads JSON, not
// HTML, and a handler heavy in <, > and & would otherwise be sent six bytes
// for each of them, past the size the plan checked
// (packaging.JSONTextSize).
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// streamBody lets the transport's Close stop the encoding goroutine when a
// request ends early.
type streamBody struct {
	io.Reader
	pipe *io.PipeReader
}

func (b *streamBody) Close() error { return b.pipe.Close() }

// The contract's maps and lists are not nullable: a nil one is sent as empty,
// which also tells the full-replace PUTs to clear it.
func emptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func emptyList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
