// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"archive/zip"
	"errors"
	"io"
	"os"
	"strings"
)

// Source is one function's code as the provider's configuration gives it:
// exactly one of Inline, Dir and ArchivePath is set.
type Source struct {
	Inline      string // code_inline: the handler's source text
	Dir         string // code_path: a directory
	ArchivePath string // code_archive: a .zip file
	// Runtime, e.g. "python3.11", names the inline handler file and, with
	// Template, the handler file a directory or archive must hold.
	Runtime string
	// Template, e.g. "http"; empty means DefaultTemplate.
	Template string
	// Requirements is packed as requirements.txt next to inline code when
	// non-empty. Directories and archives carry their own requirements.txt;
	// the provider sends this field to the API separately for them.
	Requirements string
	// Excludes are gitignore-style patterns for Dir, applied after
	// DefaultExcludes and before the directory's .faasignore.
	Excludes []string
}

// entry is one file to pack: its archive name, mode class, and how to read it.
type entry struct {
	name string
	exec bool
	// size is the size known before reading: the stat size of a file, the
	// declared uncompressed size of a ZIP entry.
	size int64
	// open returns a fresh reader of the content; it may be called twice
	// (Build re-reads entries it decides to store rather than deflate).
	open func() (io.ReadCloser, error)
	// zf is set for entries of a ZIP source: the ratio and lying-header
	// rules apply to them.
	zf *zip.File
}

// collected is a source resolved to its sorted entries, ready to be read.
type collected struct {
	attr    string
	entries []entry
	// zipSize is the size of the source ZIP, for the whole-archive ratio
	// rule; 0 for other sources.
	zipSize int64
	closer  io.Closer
}

func (c *collected) close() {
	if c.closer != nil {
		c.closer.Close()
	}
}

// collect checks a source's shape (everything that does not need file
// contents) and lists its entries sorted by name.
func collect(src Source) (*collected, error) {
	attr, err := sourceAttr(src)
	if err != nil {
		return nil, err
	}
	if attr == AttrInline {
		return collectInline(src)
	}
	c, err := collectFiles(src, attr)
	if err != nil {
		return nil, err
	}
	if err := requireHandler(src, c); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// sourceAttr returns the one attribute src sets, or an InputError when it
// sets none or several.
func sourceAttr(src Source) (string, error) {
	var set []string
	for _, s := range []struct{ attr, value string }{{AttrInline, src.Inline}, {AttrPath, src.Dir}, {AttrArchive, src.ArchivePath}} {
		if s.value != "" {
			set = append(set, s.attr)
		}
	}
	switch len(set) {
	case 0:
		return "", inputErr(AttrInline, "", "no code given: set code_inline to non-empty code, or set code_path or code_archive")
	case 1:
		return set[0], nil
	default:
		return "", inputErr(set[0], "", "set only one of code_inline, code_path and code_archive, not %s", strings.Join(set, " and "))
	}
}

// collectFiles lists the files of a code_path or code_archive source, with
// every check but the runtime's handler file.
func collectFiles(src Source, attr string) (*collected, error) {
	if attr == AttrPath {
		return collectDir(src)
	}
	return collectArchiveFile(src)
}

func collectInline(src Source) (*collected, error) {
	if src.Runtime == CustomRuntime {
		return nil, inputErr(AttrInline, "",
			"the custom runtime has no inline form: put the code in a directory and set code_path, or zip it and set code_archive")
	}
	info, ok := runtimes[src.Runtime]
	if !ok {
		return nil, inputErr(AttrInline, "",
			"unknown runtime %q: use one of %v", src.Runtime, Runtimes())
	}
	entries := []entry{stringEntry(info.Handler, src.Inline)}
	if src.Requirements != "" {
		entries = append(entries, stringEntry("requirements.txt", src.Requirements))
	}
	if err := sortAndCheckNames(AttrInline, entries); err != nil {
		return nil, err
	}
	if total := int64(len(src.Inline) + len(src.Requirements)); total > MaxUncompressedSize {
		return nil, inputErr(AttrInline, "", "inline code is %s, more than E2E's %s limit: use code_path instead", mb(total), mb(MaxUncompressedSize))
	}
	return &collected{attr: AttrInline, entries: entries}, nil
}

func stringEntry(name, content string) entry {
	return entry{
		name: name,
		size: int64(len(content)),
		open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil },
	}
}

func collectArchiveFile(src Source) (*collected, error) {
	const attr = AttrArchive
	f, st, err := openRegular(src.ArchivePath)
	if err != nil {
		var nr *notRegularError
		switch {
		case errors.As(err, &nr) && nr.mode.IsDir():
			return nil, inputErr(attr, "", "%q is a directory, not a .zip file: set code_path for a directory", src.ArchivePath)
		case errors.As(err, &nr):
			return nil, inputErr(attr, "", "%q %v: set code_archive to a .zip file", src.ArchivePath, nr)
		}
		return nil, pathError(attr, src.ArchivePath, err, "set code_archive to an existing .zip file")
	}
	c, err := collectZip(attr, f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	c.closer = f
	return c, nil
}

// requireHandler checks the handler file the runtime and template expect is
// at the root of a directory or archive source.
func requireHandler(src Source, c *collected) error {
	name, required, err := handlerFor(src, c.attr)
	if err != nil || !required {
		return err
	}
	nested := ""
	for _, e := range c.entries {
		if e.name == name {
			return nil
		}
		if nested == "" && strings.HasSuffix(e.name, "/"+name) {
			nested = e.name
		}
	}
	what := "directory"
	if c.attr == AttrArchive {
		what = "archive"
	}
	msg := "the " + what + " has no " + name + " at its root, which runtime " + src.Runtime + " expects: add it"
	if nested != "" {
		if c.attr == AttrArchive {
			msg += "; found " + nested + ": zip the folder's contents rather than the folder itself"
		} else {
			msg += "; found " + nested + ": point code_path at the folder that holds it"
		}
	}
	return &InputError{Attribute: c.attr, Entry: name, Message: msg}
}

func pathError(attr, path string, err error, todo string) *InputError {
	if os.IsNotExist(err) {
		return inputErr(attr, "", "%q does not exist: %s", path, todo)
	}
	if os.IsPermission(err) {
		return inputErr(attr, "", "%q cannot be read (permission denied): make it readable", path)
	}
	return inputErr(attr, "", "cannot open %q: %v", path, err)
}
