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
		entries  []entry
		dirs     []string
		declared int64 // the extracted size the entries declare
	)
	for _, f := range zr.File {
		dir, err := checkZipEntry(attr, f)
		if err != nil {
			return nil, err
		}
		if dir {
			dirs = append(dirs, strings.TrimSuffix(f.Name, "/"))
			continue
		}
		if len(entries) >= MaxFiles {
			return nil, inputErr(attr, "", "the archive holds more than %d files", MaxFiles)
		}
		if declared, err = checkZipFileSize(attr, f, size, declared); err != nil {
			return nil, err
		}
		entries = append(entries, checkedEntry(f))
	}
	if err := checkZipWhole(attr, entries, dirs, declared, size); err != nil {
		return nil, err
	}
	return &collected{attr: attr, entries: entries, zipSize: size}, nil
}

// checkZipEntry checks an entry's name, type, encryption and compression
// method; dir says it is a directory entry, which holds no data.
func checkZipEntry(attr string, f *zip.File) (dir bool, err error) {
	name := f.Name
	if p := nameProblem(name); p != "" {
		return false, inputErr(attr, name, "%s: re-create the archive with relative paths", p)
	}
	mode := f.Mode()
	switch {
	case mode&fs.ModeSymlink != 0:
		return false, inputErr(attr, name, "is a symbolic link, which the archive may not hold: replace it with the file it points to")
	case mode.IsDir() || strings.HasSuffix(name, "/"):
		if f.UncompressedSize64 != 0 {
			return false, inputErr(attr, name, "is a directory entry that holds data: re-create the archive")
		}
		return true, nil
	case !mode.IsRegular():
		return false, inputErr(attr, name, "is not a regular file (%v): remove it from the archive", mode.Type())
	case f.Flags&0x1 != 0:
		return false, inputErr(attr, name, "is encrypted: create the archive without a password")
	case f.Method != zip.Store && f.Method != zip.Deflate:
		return false, inputErr(attr, name, "uses compression method %d: re-create the archive with Deflate or no compression", f.Method)
	}
	return false, nil
}

// checkZipFileSize checks the sizes a file entry declares, alone and added
// to those declared before it, and returns the new total.
func checkZipFileSize(attr string, f *zip.File, zipSize, declared int64) (int64, error) {
	usize, csize := f.UncompressedSize64, f.CompressedSize64
	if usize > uint64(MaxUncompressedSize) || csize > uint64(zipSize) {
		return 0, inputErr(attr, f.Name, "declares %d bytes, more than E2E's %s extracted limit or than the archive holds",
			usize, mb(MaxUncompressedSize))
	}
	declared += int64(usize)
	if declared > MaxUncompressedSize {
		return 0, inputErr(attr, f.Name, "brings the extracted size past E2E's %s limit: remove what the function does not need",
			mb(MaxUncompressedSize))
	}
	if expandsTooMuch(int64(usize), int64(csize)) {
		return 0, inputErr(attr, f.Name, "expands %d times (%s from %d bytes), more than the %d:1 allowed: this looks like a compression bomb",
			int64(usize)/max(int64(csize), 1), mb(int64(usize)), csize, MaxCompressionRatio)
	}
	return declared, nil
}

// expandsTooMuch says whether size bytes from compressed ones pass the
// compression ratio allowed, for sizes where the ratio applies.
func expandsTooMuch(size, compressed int64) bool {
	return size > RatioThreshold && size > compressed*MaxCompressionRatio
}

// checkedEntry is the entry of a ZIP file entry that passed the checks.
func checkedEntry(f *zip.File) entry {
	return entry{
		name: f.Name,
		exec: f.Mode().Perm()&0o100 != 0,
		size: int64(f.UncompressedSize64),
		zf:   f,
		open: func() (io.ReadCloser, error) { return f.Open() },
	}
}

// checkZipWhole checks the archive as a whole: its compression ratio, that
// it holds files, their names, and that no name is both a file and a
// directory. It sorts the entries.
func checkZipWhole(attr string, entries []entry, dirs []string, declared, zipSize int64) error {
	if expandsTooMuch(declared, zipSize) {
		return inputErr(attr, "", "expands %d times (%s from %s), more than the %d:1 allowed: this looks like a compression bomb",
			declared/max(zipSize, 1), mb(declared), mb(zipSize), MaxCompressionRatio)
	}
	if len(entries) == 0 {
		return inputErr(attr, "", "the archive holds no files: add the function's code")
	}
	if err := sortAndCheckNames(attr, entries); err != nil {
		return err
	}
	names := make(map[string]bool, len(entries))
	for _, e := range entries {
		names[e.name] = true
	}
	for _, d := range dirs {
		if names[d] {
			return inputErr(attr, d, "is both a file and a directory: rename one of them")
		}
	}
	return nil
}
