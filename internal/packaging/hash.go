// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package packaging

import (
	"archive/zip"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// HashPrefix starts every source hash.
const HashPrefix = "sha256:"

// readBufferSize is the read size for hashing and compressing: large enough
// that system calls cost little next to SHA-256, small enough to keep a few
// per worker.
const readBufferSize = 256 << 10

// readBuffers keeps read buffers between hashes and builds: a plan or apply
// of many small functions packs each one, and fresh buffers, with the
// compressors and file buffers build.go keeps the same way, were most of
// what it allocated.
var readBuffers = sync.Pool{New: func() any { b := make([]byte, readBufferSize); return &b }}

// readBuffer lends a read buffer; give it back with its put.
func readBuffer() (buf []byte, put func()) {
	b, ok := readBuffers.Get().(*[]byte)
	if !ok { // unreachable: the pool only ever holds *[]byte
		fresh := make([]byte, readBufferSize)
		b = &fresh
	}
	return *b, func() { readBuffers.Put(b) }
}

// Hash returns the source hash of src: "sha256:" and the hex SHA-256 of the
// manifest described in the package documentation. It runs every check
// Build runs but one: the compressed size of an archive built from
// code_path or code_inline is only known once Build has compressed it. It reads
// every file once, several at a time, and holds none of them in memory.
func Hash(src Source) (string, error) {
	c, err := collect(src)
	if err != nil {
		return "", err
	}
	defer c.close()
	sums, err := hashEntries(c)
	if err != nil {
		return "", err
	}
	return manifestHash(c.entries, sums), nil
}

// manifestHash computes the source hash from the sorted entries and the
// SHA-256 of each one's content.
func manifestHash(entries []entry, sums [][sha256.Size]byte) string {
	h := sha256.New()
	var hexSum [2 * sha256.Size]byte
	for i, e := range entries {
		// Writes to a hash never fail.
		_, _ = io.WriteString(h, e.name)
		if e.exec {
			_, _ = io.WriteString(h, "\x00755\x00")
		} else {
			_, _ = io.WriteString(h, "\x00644\x00")
		}
		hex.Encode(hexSum[:], sums[i][:])
		h.Write(hexSum[:])
		h.Write([]byte{'\n'})
	}
	return HashPrefix + hex.EncodeToString(h.Sum(nil))
}

// hashEntries reads every entry through a meter, several at a time, and
// returns the SHA-256 of each. The first error (by entry order among those
// seen) stops the others.
func hashEntries(c *collected) ([][sha256.Size]byte, error) {
	m := newMeter(c)
	sums := make([][sha256.Size]byte, len(c.entries))
	err := forEach(len(c.entries), m.done, func(i int, buf []byte) error {
		h := sha256.New()
		if _, err := m.copy(h, &c.entries[i], buf); err != nil {
			return err
		}
		h.Sum(sums[i][:0])
		return nil
	}, m.fail)
	if err != nil {
		return nil, err
	}
	return sums, nil
}

// workers is the size of the worker pools: reading and hashing are CPU
// bound once files are cached, and more readers than CPUs only thrash disks.
func workers(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n))
}

// forEach runs fn on indexes 0..n-1 with a small worker pool, each worker
// owning one read buffer. It returns the lowest-indexed error seen; after
// the first error, fail is called (to stop readers) and no new index starts.
func forEach(n int, done <-chan struct{}, fn func(i int, buf []byte) error, fail func()) error {
	var (
		next    atomic.Int64
		mu      sync.Mutex
		firstAt = n
		first   error
		wg      sync.WaitGroup
	)
	for range workers(n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf, put := readBuffer()
			defer put()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				select {
				case <-done:
					return
				default:
				}
				if err := fn(i, buf); err != nil {
					mu.Lock()
					if i < firstAt && !errors.Is(err, errStopped) {
						firstAt, first = i, err
					}
					mu.Unlock()
					fail()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// errStopped is what readers return once another entry failed.
var errStopped = errors.New("packaging stopped")

// meter counts the bytes actually read from a source and enforces the
// size and ratio limits on them, so headers that lie are caught while
// reading rather than trusted.
type meter struct {
	c     *collected
	total atomic.Int64
	done  chan struct{} // closed once the run fails
	once  sync.Once
}

func newMeter(c *collected) *meter { return &meter{c: c, done: make(chan struct{})} }

func (m *meter) fail() { m.once.Do(func() { close(m.done) }) }

func (m *meter) stopped() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// copy reads entry e into w through the meter with buf and returns the
// number of bytes read.
func (m *meter) copy(w io.Writer, e *entry, buf []byte) (int64, error) {
	rc, err := e.open()
	if err != nil {
		return 0, m.readError(e, err)
	}
	defer rc.Close()
	var n int64
	for {
		if m.stopped() {
			return n, errStopped
		}
		k, rerr := rc.Read(buf)
		if k > 0 {
			n += int64(k)
			if err := m.account(e, n, int64(k)); err != nil {
				return n, err
			}
			if _, err := w.Write(buf[:k]); err != nil {
				return n, err
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, m.readError(e, rerr)
		}
	}
}

// account checks the limits after k more bytes, n in all, of entry e.
func (m *meter) account(e *entry, n, k int64) error {
	attr := m.c.attr
	total := m.total.Add(k)
	if e.zf != nil {
		if n > e.size {
			return inputErr(attr, e.name, "holds more data than its header declares (%d bytes): the archive is corrupt or forged; re-create it", e.size)
		}
		if n > RatioThreshold && n > int64(e.zf.CompressedSize64)*MaxCompressionRatio {
			return inputErr(attr, e.name, "expands more than %d times its compressed size: this looks like a compression bomb", MaxCompressionRatio)
		}
		if total > RatioThreshold && total > m.c.zipSize*MaxCompressionRatio {
			return inputErr(attr, e.name, "brings the archive's expansion past %d times its size: this looks like a compression bomb", MaxCompressionRatio)
		}
	}
	if total > MaxUncompressedSize {
		return inputErr(attr, e.name, "brings the total size past E2E's %s limit: remove what the function does not need", mb(MaxUncompressedSize))
	}
	return nil
}

func (m *meter) readError(e *entry, err error) error {
	attr := m.c.attr
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, errStopped):
		return err
	case e.zf == nil:
		return entryReadError(attr, e.name, err)
	case errors.Is(err, zip.ErrFormat):
		return inputErr(attr, e.name, "holds more data than its header declares (%d bytes): the archive is corrupt or forged; re-create it", e.size)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return inputErr(attr, e.name, "holds less data than its header declares (%d bytes): the archive is truncated or corrupt; re-create it", e.size)
	case errors.Is(err, zip.ErrChecksum):
		return inputErr(attr, e.name, "fails its checksum: the archive is corrupt; re-create it")
	case errors.As(err, &corrupt):
		return inputErr(attr, e.name, "has corrupt compressed data: re-create the archive")
	default:
		return inputErr(attr, e.name, "cannot be read from the archive: %v", err)
	}
}
