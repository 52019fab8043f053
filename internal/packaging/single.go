// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
	"strings"
	"unicode/utf8"
)

// InlineFileName is the name under which [ReadSingleFile] enters inline code
// in the source hash's manifest. It is neutral rather than the runtime's
// handler file (handler.py, handler.js, ...) because the MyAccount runtimes
// (python3-http-debian, dotnet8-csharp, ruby, ...) are not in this
// package's table, and a name taken from the table would change every
// stored hash the day a runtime were added to it.
const InlineFileName = "handler"

// DefaultRequirementsFile names inline requirements in the source hash's
// manifest when the runtime's requirements file name is not known; it is
// the name [Hash] gives them.
const DefaultRequirementsFile = "requirements.txt"

// MaxSingleFileSize bounds the handler and requirements texts of a
// [SingleFile] together. It is [MaxArchiveSize], E2E's upload limit: the
// MyAccount API takes the texts uncompressed in its request body, so they
// are the upload.
const MaxSingleFileSize = MaxArchiveSize

// maxListedFiles caps the file names an error message lists.
const maxListedFiles = 20

// SingleFile is code for an API that takes one handler file's text.
type SingleFile struct {
	Name            string // the source file's path relative to the source root ("" for inline code)
	Code            string // its text
	Requirements    string // text of the requirements file, "" when the source has none
	HasRequirements bool   // the source holds a requirements file (for inline code: Requirements is not empty)
	// SourceHash is "sha256:...", computed with the manifest scheme of
	// [Hash] over the files the source holds (after excludes).
	SourceHash string
}

// ReadSingleFile reads src as one source file plus, optionally, the file
// named requirementsFile (the runtime's requirements file name from the
// live catalogue, such as "requirements.txt" or "package.json"; "" when
// unknown). It does not look at src.Runtime or src.Template, so it serves
// runtimes this package does not know.
//
// Inline code is Code as given and src.Requirements as Requirements. Its
// SourceHash is that of a directory holding the code as [InlineFileName]
// and, when src.Requirements is not empty, the requirements as
// requirementsFile ([DefaultRequirementsFile] when that is "").
//
// A directory or ZIP is collected as [Hash] collects it (default excludes,
// src.Excludes and .faasignore for a directory; every ZIP safety rule for
// an archive) and must then hold exactly one file besides requirementsFile
// at its root, which is optional; it may sit in a subdirectory. Its
// SourceHash is what Hash returns for it, whenever Hash accepts the source.
// src.Requirements is not used: the source carries its own requirements.
//
// The texts must be valid UTF-8 and at most [MaxSingleFileSize] bytes
// together. Errors about the source are *InputError; an error about
// requirementsFile itself is not.
func ReadSingleFile(src Source, requirementsFile string) (*SingleFile, error) {
	if requirementsFile != "" && (nameProblem(requirementsFile) != "" || strings.Contains(requirementsFile, "/")) {
		return nil, fmt.Errorf("packaging: the requirements file name %q is not a plain file name", requirementsFile)
	}
	attr, err := sourceAttr(src)
	if err != nil {
		return nil, err
	}
	if attr == AttrInline {
		return readInlineSingleFile(src, requirementsFile)
	}
	c, err := collectFiles(src, attr)
	if err != nil {
		return nil, err
	}
	defer c.close()
	code, reqs, err := pickSingleFile(c, requirementsFile)
	if err != nil {
		return nil, err
	}
	sf := &SingleFile{Name: c.entries[code].name, HasRequirements: reqs >= 0}
	parts := []int{code}
	if reqs >= 0 {
		parts = append(parts, reqs)
	}
	var declared int64
	for _, i := range parts {
		declared += c.entries[i].size
	}
	if declared > MaxSingleFileSize {
		return nil, singleFileTooLarge(c.attr, declared)
	}
	texts, sums, err := readTexts(c, parts)
	if err != nil {
		return nil, err
	}
	sf.Code = texts[0]
	if reqs >= 0 {
		sf.Requirements = texts[1]
	}
	if err := checkEncodedSize(c.attr, sf.Code, sf.Requirements); err != nil {
		return nil, err
	}
	all := make([][sha256.Size]byte, len(c.entries))
	for k, i := range parts {
		all[i] = sums[k]
	}
	sf.SourceHash = manifestHash(c.entries, all)
	return sf, nil
}

func readInlineSingleFile(src Source, requirementsFile string) (*SingleFile, error) {
	if requirementsFile == "" {
		requirementsFile = DefaultRequirementsFile
	}
	entries := []entry{stringEntry(InlineFileName, src.Inline)}
	if src.Requirements != "" {
		entries = append(entries, stringEntry(requirementsFile, src.Requirements))
	}
	if err := sortAndCheckNames(AttrInline, entries); err != nil {
		return nil, err
	}
	if total := int64(len(src.Inline) + len(src.Requirements)); total > MaxSingleFileSize {
		return nil, singleFileTooLarge(AttrInline, total)
	}
	if at := invalidUTF8At(src.Inline); at >= 0 {
		return nil, inputErr(AttrInline, "", "the code is not valid UTF-8 text (at byte %d): the MyAccount API takes code as text", at)
	}
	if at := invalidUTF8At(src.Requirements); at >= 0 {
		return nil, inputErr(AttrInline, "", "the requirements are not valid UTF-8 text (at byte %d): the MyAccount API takes them as text", at)
	}
	if err := checkEncodedSize(AttrInline, src.Inline, src.Requirements); err != nil {
		return nil, err
	}
	sums := make([][sha256.Size]byte, len(entries))
	for i, e := range entries {
		content := src.Inline
		if e.name != InlineFileName {
			content = src.Requirements
		}
		sums[i] = sha256.Sum256([]byte(content))
	}
	return &SingleFile{
		Code:            src.Inline,
		Requirements:    src.Requirements,
		HasRequirements: src.Requirements != "",
		SourceHash:      manifestHash(entries, sums),
	}, nil
}

// pickSingleFile returns the indexes in c.entries of the one code file and
// of the requirements file (-1 when there is none), or an InputError
// listing the files when the source does not hold exactly one code file.
func pickSingleFile(c *collected, requirementsFile string) (code, reqs int, err error) {
	code, reqs = -1, -1
	others := 0
	for i, e := range c.entries {
		if requirementsFile != "" && e.name == requirementsFile {
			reqs = i
			continue
		}
		others++
		code = i
	}
	if others == 1 {
		return code, reqs, nil
	}
	names := make([]string, len(c.entries))
	for i, e := range c.entries {
		names[i] = e.name
	}
	what := "directory"
	todo := "keep only the handler there, or leave the rest out with excludes or a .faasignore"
	if c.attr == AttrArchive {
		what, todo = "archive", "zip the handler alone"
	}
	takes := "the MyAccount API takes one handler file"
	if requirementsFile != "" {
		takes += ", plus optionally " + requirementsFile + " at the root"
		if c.attr == AttrArchive {
			todo += " (with " + requirementsFile + " if needed)"
		}
	}
	if others == 0 {
		return -1, -1, inputErr(c.attr, "", "the %s holds no handler file, only %s: %s; add the handler", what, listNames(names), takes)
	}
	return -1, -1, inputErr(c.attr, "", "the %s holds %d files (%s), but %s: %s", what, len(names), listNames(names), takes, todo)
}

// listNames quotes sorted names for a message, the first maxListedFiles
// of them.
func listNames(names []string) string {
	shown := names[:min(len(names), maxListedFiles)]
	quoted := make([]string, len(shown))
	for i, n := range shown {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	s := strings.Join(quoted, ", ")
	if rest := len(names) - len(shown); rest > 0 {
		s += fmt.Sprintf(" and %d more", rest)
	}
	return s
}

// readTexts reads the entries of c at indexes parts, in that order, through
// a meter (so every limit and ZIP rule applies to the bytes actually read),
// and returns their texts, checked to be UTF-8, and their SHA-256.
func readTexts(c *collected, parts []int) ([]string, [][sha256.Size]byte, error) {
	m := newMeter(c)
	buf, put := readBuffer()
	defer put()
	texts := make([]string, len(parts))
	sums := make([][sha256.Size]byte, len(parts))
	var total int64
	for k, i := range parts {
		e := &c.entries[i]
		var text bytes.Buffer
		text.Grow(int(min(e.size, MaxSingleFileSize-total))) // the size listed; a file that grew since grows the buffer
		h := sha256.New()
		w := &textWriter{buf: &text, sum: h, before: total, attr: c.attr}
		n, err := m.copy(w, e, buf)
		if err != nil {
			return nil, nil, err
		}
		total += n
		texts[k] = text.String()
		if at := invalidUTF8At(texts[k]); at >= 0 {
			return nil, nil, inputErr(c.attr, e.name, "is not valid UTF-8 text (at byte %d): the MyAccount API takes code as text; save the file as UTF-8", at)
		}
		h.Sum(sums[k][:0])
	}
	return texts, sums, nil
}

// textWriter keeps what it is given in buf and sum, and fails once the
// texts read so far pass MaxSingleFileSize: a file that grew after it was
// listed must not take more memory than that.
type textWriter struct {
	buf    *bytes.Buffer
	sum    hash.Hash
	before int64 // bytes of the texts read before this one
	attr   string
}

func (w *textWriter) Write(p []byte) (int, error) {
	if size := w.before + int64(w.buf.Len()+len(p)); size > MaxSingleFileSize {
		return 0, singleFileTooLarge(w.attr, size)
	}
	w.buf.Write(p)
	w.sum.Write(p) // hashes never fail
	return len(p), nil
}

// checkEncodedSize refuses texts that pass MaxSingleFileSize once written as
// JSON strings, the form in which the request carries them: what the plan
// accepts, the upload's limit accepts.
func checkEncodedSize(attr, code, requirements string) error {
	size := JSONTextSize(code) + JSONTextSize(requirements)
	if size <= MaxSingleFileSize {
		return nil
	}
	return inputErr(attr, "", "the handler and requirements files come to %d bytes (%s) once written as JSON text in the request "+
		"(a quote, a backslash or a control character takes two to six bytes there), more than E2E's upload limit of %d bytes (%s); "+
		"remove what the function does not need", size, mb(size), MaxSingleFileSize, mb(MaxSingleFileSize))
}

// JSONTextSize is the length of s written as a JSON string by
// encoding/json without HTML escaping, without its quotes: '"', '\\' and
// the control characters \b, \f, \n, \r and \t take two bytes, other
// control characters and U+2028 and U+2029 six (\u00XX, \u2028), invalid
// UTF-8 six per byte (\ufffd), everything else its own bytes.
func JSONTextSize(s string) int64 {
	var n int64
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch {
			case b == '"' || b == '\\' || b == '\b' || b == '\f' || b == '\n' || b == '\r' || b == '\t':
				n += 2
			case b < 0x20:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += 6
		case r == '\u2028' || r == '\u2029':
			n += 6
		default:
			n += int64(size)
		}
		i += size
	}
	return n
}

func singleFileTooLarge(attr string, size int64) *InputError {
	return inputErr(attr, "", "the handler and requirements files come to %d bytes (%s), more than E2E's upload limit of %d bytes (%s): the MyAccount API takes them as text in one request; remove what the function does not need",
		size, mb(size), MaxSingleFileSize, mb(MaxSingleFileSize))
}

// invalidUTF8At returns the offset of the first byte of s that is not part
// of valid UTF-8, or -1.
func invalidUTF8At(s string) int {
	if utf8.ValidString(s) {
		return -1
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}
