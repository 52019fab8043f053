// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func deflate(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheckArchiveAcceptsBuiltAndCommonZips(t *testing.T) {
	data := makeZip(t, []zipEntry{
		{name: "handler.py", content: "x"},
		{name: "lib/", mode: os.ModeDir | 0o755},
		{name: "lib/a.py", content: strings.Repeat("a = 1\n", 1000)},
	})
	if err := CheckArchive(bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}

func TestCheckArchiveRejectsNonZip(t *testing.T) {
	err := CheckArchive(bytes.NewReader([]byte("PK\x03\x04 not really")), 16)
	checkInputError(t, "CheckArchive", err, AttrArchive, "", "not a valid ZIP archive")
	err = CheckArchive(bytes.NewReader(nil), MaxArchiveSize+1)
	checkInputError(t, "CheckArchive", err, AttrArchive, "", ArchiveTooLargeText(MaxArchiveSize+1))
}

// TestRatioBombEntry: a single entry of zeros that expands about 1000 times.
func TestRatioBombEntry(t *testing.T) {
	zeros := strings.Repeat("\x00", 2<<20)
	data := makeZip(t, []zipEntry{{name: "handler.py", content: "x"}, {name: "bomb.bin", content: zeros}})
	err := CheckArchive(bytes.NewReader(data), int64(len(data)))
	checkInputError(t, "CheckArchive", err, AttrArchive, "bomb.bin", "more than the 100:1 allowed: this looks like a compression bomb")
	path := writeFile(t, filepath.Join(t.TempDir(), "c.zip"), data)
	wantInputError(t, Source{ArchivePath: path, Runtime: "python3.11"}, AttrArchive, "bomb.bin", "compression bomb")
}

// TestRatioBombTotal: entries each under the threshold, together far
// over 100 times the archive's size.
func TestRatioBombTotal(t *testing.T) {
	entries := []zipEntry{{name: "handler.py", content: "x"}}
	for _, n := range []string{"a", "b", "c"} {
		entries = append(entries, zipEntry{name: n, content: strings.Repeat("\x00", int(RatioThreshold)-1)})
	}
	data := makeZip(t, entries)
	err := CheckArchive(bytes.NewReader(data), int64(len(data)))
	checkInputError(t, "CheckArchive", err, AttrArchive, "", "compression bomb")
}

// TestSmallRepetitiveEntriesAllowed: under the threshold, a high ratio is
// harmless.
func TestSmallRepetitiveEntriesAllowed(t *testing.T) {
	data := makeZip(t, []zipEntry{{name: "handler.py", content: "x"}, {name: "pad.txt", content: strings.Repeat(" ", 100_000)}})
	if err := CheckArchive(bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}

// TestLyingHeader: the header declares 1,000 bytes, the data inflates to
// 256 KB. Nothing is trusted: reading stops at the declared size.
func TestLyingHeader(t *testing.T) {
	plain := bytes.Repeat([]byte("A"), 256<<10)
	comp := deflate(t, plain)
	liar := rawEntry{fh: zip.FileHeader{Name: "handler.py", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(plain[:1000]),
		CompressedSize64: uint64(len(comp)), UncompressedSize64: 1000}, data: comp}
	data := makeRawZip(t, []rawEntry{liar})
	err := CheckArchive(bytes.NewReader(data), int64(len(data)))
	checkInputError(t, "CheckArchive", err, AttrArchive, "handler.py", "holds more data than its header declares (1000 bytes)")
	path := writeFile(t, filepath.Join(t.TempDir(), "c.zip"), data)
	wantInputError(t, Source{ArchivePath: path, Runtime: "python3.11"}, AttrArchive, "handler.py", "holds more data than its header declares")
}

// TestDeclaredSizeOverLimit: a header declaring more than 200 MB is refused
// before anything is inflated.
func TestDeclaredSizeOverLimit(t *testing.T) {
	big := storedRaw("big.bin", "x")
	big.fh.Method = zip.Deflate
	big.fh.UncompressedSize64 = uint64(MaxUncompressedSize) + 1
	data := makeRawZip(t, []rawEntry{storedRaw("handler.py", "x"), big})
	err := CheckArchive(bytes.NewReader(data), int64(len(data)))
	checkInputError(t, "CheckArchive", err, AttrArchive, "big.bin", "more than E2E's 200.0 MB extracted limit")
}

// TestDeclaredTotalOverLimit: entries each plausible (ratio 70:1) but
// together over 200 MB.
func TestDeclaredTotalOverLimit(t *testing.T) {
	var entries []rawEntry
	for _, n := range []string{"a", "b", "c"} {
		e := rawEntry{fh: zip.FileHeader{Name: n, Method: zip.Deflate, CompressedSize64: 1 << 20, UncompressedSize64: 70 << 20},
			data: make([]byte, 1<<20)}
		entries = append(entries, e)
	}
	data := makeRawZip(t, entries)
	err := CheckArchive(bytes.NewReader(data), int64(len(data)))
	checkInputError(t, "CheckArchive", err, AttrArchive, "c", "brings the extracted size past E2E's 200.0 MB limit")
}

// TestMeterCountsActualBytes drives the meter directly with a reader that
// yields more than the entry's compressed size allows, as a header that
// lies consistently (sizes and CRC) would.
func TestMeterCountsActualBytes(t *testing.T) {
	c := &collected{attr: AttrArchive, zipSize: 10_000}
	zf := &zip.File{FileHeader: zip.FileHeader{CompressedSize64: 1000}}
	e := entry{name: "x.bin", size: 1 << 30, zf: zf}
	m := newMeter(c)
	err := m.account(&e, 2<<20, 2<<20)
	checkInputError(t, "account", err, AttrArchive, "x.bin", "expands more than 100 times its compressed size")

	m = newMeter(c)
	zf.CompressedSize64 = 1 << 20
	err = m.account(&e, 2<<20, 2<<20)
	checkInputError(t, "account", err, AttrArchive, "x.bin", "past 100 times its size")

	c.zipSize = 1 << 30
	zf.CompressedSize64 = 1 << 30
	m = newMeter(c)
	err = m.account(&e, MaxUncompressedSize+1, MaxUncompressedSize+1)
	checkInputError(t, "account", err, AttrArchive, "x.bin", "past E2E's 200.0 MB limit")
}
