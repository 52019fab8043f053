// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"archive/zip"
	"errors"
	"io"
	"io/fs"
	"strings"
)

// CheckArchive applies every ZIP safety rule of this package to raw ZIP
// bytes: size limits, entry names (zip-slip), entry types, duplicates,
// compression ratio on declared sizes and on the bytes actually inflated,
// and entry checksums. It is meant for a server receiving archives from
// clients other than the provider; it does not know the runtime, so it does
// not look for a handler file. r must allow concurrent ReadAt calls, as the
// io.ReaderAt contract requires. Errors are *InputError for "code_archive".
func CheckArchive(r io.ReaderAt, size int64) error {
	c, err := collectZip(AttrArchive, r, size)
	if err != nil {
		return err
	}
	_, err = hashEntries(c)
	return err
}

// collectZip runs every check that needs only the ZIP's directory and lists
// its file entries. Contents are checked while they are read (see meter).
func collectZip(attr string, r io.ReaderAt, size int64) (*collected, error) {
	if size > MaxArchiveSize {
		return nil, inputErr(attr, "", "%s", ArchiveTooLargeText(size))
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // insecure names are rejected below, with the name
		return nil, inputErr(attr, "", "not a valid ZIP archive (%v): give a .zip file", err)
	}
	var (
		entries    []entry
		declared   int64
		dirs       []string
		fileCount  int
		ratioLimit = func(n int64) int64 { return n * MaxCompressionRatio }
	)
	for _, f := range zr.File {
		name := f.Name
		if p := nameProblem(name); p != "" {
			return nil, inputErr(attr, name, "%s: re-create the archive with relative paths", p)
		}
		mode := f.Mode()
		if mode&fs.ModeSymlink != 0 {
			return nil, inputErr(attr, name, "is a symbolic link, which the archive may not hold: replace it with the file it points to")
		}
		if mode.IsDir() || strings.HasSuffix(name, "/") {
			if f.UncompressedSize64 != 0 {
				return nil, inputErr(attr, name, "is a directory entry that holds data: re-create the archive")
			}
			dirs = append(dirs, strings.TrimSuffix(name, "/"))
			continue
		}
		if !mode.IsRegular() {
			return nil, inputErr(attr, name, "is not a regular file (%v): remove it from the archive", mode.Type())
		}
		if f.Flags&0x1 != 0 {
			return nil, inputErr(attr, name, "is encrypted: create the archive without a password")
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			return nil, inputErr(attr, name, "uses compression method %d: re-create the archive with Deflate or no compression", f.Method)
		}
		fileCount++
		if fileCount > MaxFiles {
			return nil, inputErr(attr, "", "the archive holds more than %d files", MaxFiles)
		}
		usize, csize := f.UncompressedSize64, f.CompressedSize64
		if usize > uint64(MaxUncompressedSize) || csize > uint64(size) {
			return nil, inputErr(attr, name, "declares %d bytes, more than E2E's %s extracted limit or than the archive holds",
				usize, mb(MaxUncompressedSize))
		}
		declared += int64(usize)
		if declared > MaxUncompressedSize {
			return nil, inputErr(attr, name, "brings the extracted size past E2E's %s limit: remove what the function does not need",
				mb(MaxUncompressedSize))
		}
		if int64(usize) > RatioThreshold && int64(usize) > ratioLimit(int64(csize)) {
			return nil, inputErr(attr, name, "expands %d times (%s from %d bytes), more than the %d:1 allowed: this looks like a compression bomb",
				int64(usize)/max(int64(csize), 1), mb(int64(usize)), csize, MaxCompressionRatio)
		}
		zf := f
		entries = append(entries, entry{
			name: name,
			exec: mode.Perm()&0o100 != 0,
			size: int64(usize),
			zf:   zf,
			open: func() (io.ReadCloser, error) { return zf.Open() },
		})
	}
	if declared > RatioThreshold && declared > ratioLimit(size) {
		return nil, inputErr(attr, "", "expands %d times (%s from %s), more than the %d:1 allowed: this looks like a compression bomb",
			declared/max(size, 1), mb(declared), mb(size), MaxCompressionRatio)
	}
	if len(entries) == 0 {
		return nil, inputErr(attr, "", "the archive holds no files: add the function's code")
	}
	if err := sortAndCheckNames(attr, entries); err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(entries))
	for _, e := range entries {
		names[e.name] = true
	}
	for _, d := range dirs {
		if names[d] {
			return nil, inputErr(attr, d, "is both a file and a directory: rename one of them")
		}
	}
	return &collected{attr: attr, entries: entries, zipSize: size}, nil
}
