// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"sync"
)

// Archive is a built ZIP in a temporary file. The caller owns it and must
// Close it.
type Archive struct {
	Path       string // temporary file holding the ZIP
	Size       int64  // its size in bytes
	SHA256     string // hex SHA-256 of the ZIP bytes, as the API reports code_sha256
	SourceHash string // the value Hash returns for the same source
}

// Open returns a new reader of the archive; it may be called any number of
// times, for example once per upload attempt.
func (a *Archive) Open() (io.ReadCloser, error) { return os.Open(a.Path) }

// Close removes the temporary file. Closing twice is harmless.
func (a *Archive) Close() error {
	if err := os.Remove(a.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// dosDate1980 is the MS-DOS date of 1980-01-01, the timestamp of every entry
// (MS-DOS time 0 is 00:00:00). It is the earliest date a ZIP can express and
// is written without a time zone, so every reader sees the same value.
const dosDate1980 = 1<<5 | 1

// zipVersion20 is "version 2.0", what Deflate entries need.
const zipVersion20 = 20

// Build checks src and writes its deterministic archive (see the package
// documentation) to a temporary file. Files are read once, compressed
// several at a time into bounded buffers, and written in name order, so
// memory does not grow with the source. Errors about the source are
// *InputError; others are failures of the temporary directory.
//
// A code_archive is re-packed rather than uploaded as given: its entries are
// inflated, checked, and written anew like a directory's files. That costs
// one decompression and compression of at most 200 MB, and buys an upload
// that depends on the files alone: timestamps, modes, entry order, extra
// fields, directory entries and the tool that made the ZIP stop mattering,
// so the code_sha256 the API reports matches what Build computes for the
// same files, whichever tool zipped them, and the server never receives
// what the checks would have rejected.
func Build(src Source) (*Archive, error) {
	c, err := collect(src)
	if err != nil {
		return nil, err
	}
	defer c.close()

	f, err := os.CreateTemp("", "e2e-faas-*.zip")
	if err != nil {
		return nil, fmt.Errorf("creating the archive file: %w", err)
	}
	a := &Archive{Path: f.Name()}
	built := false
	defer func() {
		if !built {
			f.Close()
			a.Close()
		}
	}()

	sum := sha256.New()
	buf, put := fileWriter(f)
	defer put()
	out := &limitWriter{w: io.MultiWriter(buf, sum), attr: c.attr}
	sums, err := writeZip(c, out)
	if err != nil {
		return nil, err
	}
	if err := buf.Flush(); err != nil {
		return nil, fmt.Errorf("writing the archive file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("writing the archive file: %w", err)
	}
	a.Size = out.n
	a.SHA256 = hex.EncodeToString(sum.Sum(nil))
	a.SourceHash = manifestHash(c.entries, sums)
	built = true
	return a, nil
}

// fileWriters and flateWriters keep the archive file's write buffers and
// the compressors between builds (see readBuffers).
var (
	fileWriters  = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 1<<20) }}
	flateWriters sync.Pool
)

// fileWriter lends a 1 MiB write buffer on f; give it back with its put,
// once flushed or abandoned.
func fileWriter(f *os.File) (w *bufio.Writer, put func()) {
	w, ok := fileWriters.Get().(*bufio.Writer)
	if !ok { // unreachable: the pool only ever holds *bufio.Writer
		w = bufio.NewWriterSize(nil, 1<<20)
	}
	w.Reset(f)
	return w, func() {
		w.Reset(nil)
		fileWriters.Put(w)
	}
}

// archiveLimit is MaxArchiveSize; tests lower it to reach it with small trees.
var archiveLimit = MaxArchiveSize

// limitWriter counts the archive bytes and stops at archiveLimit.
type limitWriter struct {
	w    io.Writer
	n    int64
	attr string
	over bool
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n+int64(len(p)) > archiveLimit {
		l.over = true
		return 0, l.err()
	}
	n, err := l.w.Write(p)
	l.n += int64(n)
	return n, err
}

func (l *limitWriter) err() error {
	return inputErr(l.attr, "", "%s", ArchiveTooLargeText(0))
}

// packed is one entry made ready by a worker: its content's checksums and,
// when deflating pays, the deflated bytes.
type packed struct {
	sum  [sha256.Size]byte
	crc  uint32
	size int64
	data *spool // nil when the entry is stored
	err  error
}

// writeZip compresses the entries on a worker pool and writes them to out in
// order. At most `window` entries are in flight, so memory stays bounded.
func writeZip(c *collected, out *limitWriter) ([][sha256.Size]byte, error) {
	n := len(c.entries)
	m := newMeter(c)
	results := make([]chan packed, n)
	for i := range results {
		results[i] = make(chan packed, 1)
	}
	nw := workers(n)
	window := make(chan struct{}, 2*nw+2)
	spoolLimit := max(spoolBudget/int64(cap(window)), 256<<10)
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for i := range n {
			select {
			case window <- struct{}{}:
			case <-m.done:
				return
			}
			select {
			case jobs <- i:
			case <-m.done:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf, put := readBuffer()
			defer put()
			var fw *flate.Writer
			defer func() { putFlateWriter(fw) }()
			for i := range jobs {
				results[i] <- compressEntry(m, &c.entries[i], buf, &fw, spoolLimit)
			}
		}()
	}

	sums, err := writeInOrder(c, results, window, out)
	if err != nil {
		m.fail()
	}
	wg.Wait()
	for _, r := range results {
		select {
		case p := <-r:
			p.data.free()
		default:
		}
	}
	return sums, err
}

func writeInOrder(c *collected, results []chan packed, window chan struct{}, out *limitWriter) ([][sha256.Size]byte, error) {
	sums := make([][sha256.Size]byte, len(results))
	zw := zip.NewWriter(out)
	buf, put := readBuffer()
	defer put()
	for i, r := range results {
		p := <-r
		if p.err != nil {
			return nil, p.err
		}
		err := writeEntry(zw, c.attr, &c.entries[i], p, buf)
		p.data.free()
		if err != nil {
			if out.over {
				return nil, out.err()
			}
			return nil, err
		}
		sums[i] = p.sum
		<-window
	}
	if err := zw.Close(); err != nil {
		if out.over {
			return nil, out.err()
		}
		return nil, err
	}
	return sums, nil
}

// compressEntry reads e once, computing its SHA-256 and CRC-32 and
// deflating it into a spool. It keeps the deflated form only when it is
// smaller and within MaxCompressionRatio, so a built archive always passes
// CheckArchive; otherwise the entry is stored, and re-read when written.
// Content that looks incompressible from its first bytes is not deflated
// at all (see probeWriter).
func compressEntry(m *meter, e *entry, buf []byte, fw **flate.Writer, spoolLimit int64) packed {
	sp := newSpool(spoolLimit)
	if *fw == nil {
		w, err := flateWriter(sp)
		if err != nil {
			return packed{err: err}
		}
		*fw = w
	} else {
		(*fw).Reset(sp)
	}
	crc := crc32.NewIEEE()
	sum := sha256.New()
	pw := &probeWriter{sums: io.MultiWriter(crc, sum), fw: *fw}
	n, err := m.copy(pw, e, buf)
	if err == nil {
		err = pw.finish()
	}
	if err != nil {
		sp.free()
		return packed{err: err}
	}
	p := packed{crc: crc.Sum32(), size: n, data: sp}
	sum.Sum(p.sum[:0])
	if pw.store || sp.size >= n || sp.size*MaxCompressionRatio < n {
		sp.free()
		p.data = nil
	}
	return p
}

// flateWriter is a compressor at CompressionLevel writing to w, from the
// pool when it holds one.
func flateWriter(w io.Writer) (*flate.Writer, error) {
	if fw, ok := flateWriters.Get().(*flate.Writer); ok {
		fw.Reset(w)
		return fw, nil
	}
	return flate.NewWriter(w, CompressionLevel)
}

// putFlateWriter returns fw, if any, to the pool, holding nothing of its
// last output.
func putFlateWriter(fw *flate.Writer) {
	if fw != nil {
		fw.Reset(io.Discard)
		flateWriters.Put(fw)
	}
}

// probeSize is how much of an entry is looked at before deciding whether to
// deflate it; smaller entries are always deflated.
const probeSize = 64 << 10

// incompressibleBits is the byte entropy, in bits per byte, above which the
// probe judges content incompressible: deflate could save under 1.25%.
const incompressibleBits = 7.9

// probeWriter passes content to the checksums, and to the compressor unless
// the first probeSize bytes look incompressible (already compressed or
// random data, such as images, wheels or model weights): deflating those
// costs as much time as text and saves nothing. The decision depends on
// the content alone, so archives stay deterministic.
type probeWriter struct {
	sums    io.Writer
	fw      *flate.Writer
	head    []byte
	decided bool
	store   bool
}

func (p *probeWriter) Write(b []byte) (int, error) {
	n := len(b)
	_, _ = p.sums.Write(b) // hashes never fail
	if !p.decided {
		take := min(probeSize-len(p.head), len(b))
		p.head = append(p.head, b[:take]...)
		b = b[take:]
		if len(p.head) < probeSize {
			return n, nil
		}
		if err := p.decide(); err != nil {
			return 0, err
		}
	}
	if !p.store && len(b) > 0 {
		if _, err := p.fw.Write(b); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func (p *probeWriter) decide() error {
	p.decided = true
	p.store = len(p.head) == probeSize && entropy(p.head) > incompressibleBits
	if p.store {
		return nil
	}
	_, err := p.fw.Write(p.head)
	return err
}

func (p *probeWriter) finish() error {
	if !p.decided {
		if err := p.decide(); err != nil {
			return err
		}
	}
	if p.store {
		return nil
	}
	return p.fw.Close()
}

// entropy returns the order-0 entropy of b in bits per byte.
func entropy(b []byte) float64 {
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	h := 0.0
	n := float64(len(b))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

func writeEntry(zw *zip.Writer, attr string, e *entry, p packed, buf []byte) error {
	fh := &zip.FileHeader{
		Name:               e.name,
		Method:             zip.Store,
		CRC32:              p.crc,
		UncompressedSize64: uint64(p.size),
		CompressedSize64:   uint64(p.size),
		ModifiedDate:       dosDate1980, //nolint:staticcheck // SA1019 on purpose: Modified would add an extended-timestamp extra field
		CreatorVersion:     zipVersion20,
		ReaderVersion:      zipVersion20,
	}
	if p.data != nil {
		fh.Method = zip.Deflate
		fh.CompressedSize64 = uint64(p.data.size)
	}
	for i := 0; i < len(e.name); i++ {
		if e.name[i] >= 0x80 {
			fh.Flags |= 0x800 // name is UTF-8
			break
		}
	}
	if e.exec {
		fh.SetMode(0o755)
	} else {
		fh.SetMode(0o644)
	}
	w, err := zw.CreateRaw(fh)
	if err != nil {
		return err
	}
	if p.data != nil {
		return p.data.writeTo(w, buf)
	}
	return restore(w, attr, e, p, buf)
}

// restore copies a stored entry's content a second time, checking it is the
// content that was hashed.
func restore(w io.Writer, attr string, e *entry, p packed, buf []byte) error {
	rc, err := e.open()
	if err != nil {
		if e.zf == nil {
			return entryReadError(attr, e.name, err)
		}
		return inputErr(attr, e.name, "cannot be read: %v", unwrapPath(err))
	}
	defer rc.Close()
	sum := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(w, sum), io.LimitReader(rc, p.size+1), buf)
	if err != nil {
		var iw *InputError
		if errors.As(err, &iw) {
			return err
		}
		return inputErr(attr, e.name, "cannot be read: %v", unwrapPath(err))
	}
	var again [sha256.Size]byte
	sum.Sum(again[:0])
	if n != p.size || again != p.sum {
		return inputErr(attr, e.name, "changed while it was being packaged: try again")
	}
	return nil
}

// spoolBudget bounds the memory of the deflated entries waiting to be
// written: each of the entries in flight may hold its share in memory, and
// moves to a temporary file past it.
const spoolBudget = 32 << 20

var spoolBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// spool holds a deflated entry until its turn to be written: in memory when
// small, in a temporary file past spoolMemory.
type spool struct {
	mem   *[]byte
	file  *os.File
	size  int64
	limit int64 // bytes held in memory at most
}

func newSpool(limit int64) *spool {
	mem, ok := spoolBuffers.Get().(*[]byte)
	if !ok { // unreachable: the pool only ever holds *[]byte
		b := make([]byte, 0, 64<<10)
		mem = &b
	}
	return &spool{mem: mem, limit: limit}
}

func (s *spool) Write(p []byte) (int, error) {
	if s.file == nil {
		if int64(len(*s.mem)+len(p)) <= s.limit {
			*s.mem = append(*s.mem, p...)
			s.size += int64(len(p))
			return len(p), nil
		}
		f, err := os.CreateTemp("", "e2e-faas-spool-*")
		if err != nil {
			return 0, fmt.Errorf("spooling compressed data: %w", err)
		}
		s.file = f
		if _, err := f.Write(*s.mem); err != nil {
			return 0, fmt.Errorf("spooling compressed data: %w", err)
		}
		s.release()
	}
	n, err := s.file.Write(p)
	s.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("spooling compressed data: %w", err)
	}
	return n, nil
}

func (s *spool) writeTo(w io.Writer, buf []byte) error {
	if s.file == nil {
		_, err := w.Write(*s.mem)
		return err
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.CopyBuffer(w, io.LimitReader(s.file, s.size), buf)
	return err
}

func (s *spool) release() {
	if s.mem != nil {
		if cap(*s.mem) <= 8<<20 { // keep pooled buffers modest
			*s.mem = (*s.mem)[:0]
			spoolBuffers.Put(s.mem)
		}
		s.mem = nil
	}
}

// free releases the spool's memory and removes its file; nil-safe.
func (s *spool) free() {
	if s == nil {
		return
	}
	s.release()
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
		s.file = nil
	}
}
