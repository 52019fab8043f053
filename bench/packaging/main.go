// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

// Command packaging generates the benchmark tree for internal/packaging and
// times Hash against sha256sum and Build against Info-ZIP's zip over it.
// run.sh drives it.
//
//	go run ./bench/packaging gen -dir DIR [-files 5000] [-mb 100] [-seed 1]
//	go run ./bench/packaging compare -dir DIR [-rounds 5] [-ziplevel 6]
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: packaging gen|compare -dir DIR ...")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	dir := fs.String("dir", "", "tree directory")
	files := fs.Int("files", 5000, "number of files (gen)")
	sizeMB := fs.Int("mb", 100, "total size in MB (gen)")
	seed := fs.Uint64("seed", 1, "generator seed (gen)")
	runs := fs.Int("rounds", 5, "timed rounds; the best of each contender is reported (compare)")
	zipLevel := fs.String("ziplevel", "6", "level given to zip (compare)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run here (compare)")
	_ = fs.Parse(os.Args[2:]) // ExitOnError: a bad flag exits here
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if *dir == "" {
		fs.Usage()
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = generate(*dir, *files, int64(*sizeMB)*1_000_000, *seed)
	case "compare":
		err = compare(*dir, *runs, *zipLevel)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var words = strings.Fields(`def return import from class self if else elif for in while try except
	raise with as lambda yield None True False async await print len range dict list str int float
	request response handler event context body status headers json data value key result error`)

// generate writes a tree of n files totalling about total bytes: four in
// five files are text that deflates about as well as source code, one in
// five random bytes (so the archive stays under E2E's 50 MB), sizes spread
// log-uniformly from 256 bytes to about 25 times the mean.
func generate(dir string, n int, total int64, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, seed*0x9e3779b97f4a7c15+1))
	sizes := make([]float64, n)
	var sum float64
	for i := range sizes {
		sizes[i] = 256 * math.Pow(float64(total)/float64(n)*25/256, r.Float64())
		sum += sizes[i]
	}
	scale := float64(total) / sum
	buf := make([]byte, 0, 1<<20)
	for i := range n {
		size := int(sizes[i] * scale)
		name := filepath.Join(dir, fmt.Sprintf("pkg%02d", i%40), fmt.Sprintf("mod%02d", (i/40)%12), fmt.Sprintf("file%05d", i))
		buf = buf[:0]
		if i%5 == 4 {
			name += ".bin"
			for len(buf) < size {
				v := r.Uint64()
				for k := 0; k < 8 && len(buf) < size; k++ {
					buf = append(buf, byte(v>>(8*k)))
				}
			}
		} else {
			name += ".py"
			for len(buf) < size {
				indent := r.IntN(3) * 4
				buf = append(buf, strings.Repeat(" ", indent)...)
				for w := r.IntN(10) + 2; w > 0; w-- {
					buf = append(buf, words[r.IntN(len(words))]...)
					buf = append(buf, ' ')
				}
				buf = append(buf, fmt.Sprintf("%d\n", r.IntN(1000))...)
			}
			buf = buf[:size]
		}
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if i%50 == 0 {
			mode = 0o755
		}
		if err := os.WriteFile(name, buf, mode); err != nil {
			return err
		}
	}
	// The handler the python3.11 runtime expects.
	return os.WriteFile(filepath.Join(dir, "handler.py"), []byte("def handle(event, context):\n    return 'ok'\n"), 0o644)
}

// measurement is one timed run: wall-clock and CPU (user+system) seconds.
type measurement struct{ wall, cpu float64 }

func (m *measurement) keepBest(n measurement) {
	if m.wall == 0 || n.wall < m.wall {
		m.wall = n.wall
	}
	if m.cpu == 0 || n.cpu < m.cpu {
		m.cpu = n.cpu
	}
}

func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		// Without it every CPU figure would be wrong; no result beats a false one.
		panic(fmt.Sprintf("getrusage: %v", err))
	}
	return tv(ru.Utime) + tv(ru.Stime)
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// inProcess times f in this process.
func inProcess(f func() error) (measurement, error) {
	c0, t0 := selfCPU(), time.Now()
	err := f()
	return measurement{wall: time.Since(t0).Seconds(), cpu: selfCPU() - c0}, err
}

// command times a shell command run in dir; the CPU time includes every
// process it waited for (find, xargs, sha256sum).
func command(dir, script string) (measurement, error) {
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return measurement{}, fmt.Errorf("%s: %w", script, err)
	}
	wall := time.Since(t0).Seconds()
	ps := cmd.ProcessState
	return measurement{wall: wall, cpu: (ps.UserTime() + ps.SystemTime()).Seconds()}, nil
}

// compare times Hash against sha256sum and Build against zip -r -X -q -6
// over the tree, interleaving them round by round so a busy machine slows
// both alike, and reports the best run of each.
func compare(dir string, rounds int, level string) error {
	for _, tool := range []string{"zip", "sha256sum", "find", "xargs"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (on Debian: apt-get install zip coreutils findutils)", tool)
		}
	}
	tmp, err := os.MkdirTemp("", "packbench-zip-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	zipOut := filepath.Join(tmp, "ref.zip")
	src := packaging.Source{Dir: dir, Runtime: "python3.11"}

	// Warm the page cache so every contender reads from memory.
	if _, err := command(dir, "find . -type f -print0 | xargs -0 cat > /dev/null"); err != nil {
		return err
	}
	var hash, sha, build, zip measurement
	var ours, ref int64
	for range rounds {
		m, err := command(dir, "find . -type f -print0 | xargs -0 sha256sum > /dev/null")
		if err != nil {
			return err
		}
		sha.keepBest(m)
		if m, err = inProcess(func() error { _, err := packaging.Hash(src); return err }); err != nil {
			return err
		}
		hash.keepBest(m)
		os.Remove(zipOut)
		if m, err = command(dir, "zip -r -X -q -"+level+" "+zipOut+" ."); err != nil {
			return err
		}
		zip.keepBest(m)
		if st, err := os.Stat(zipOut); err == nil {
			ref = st.Size()
		}
		if m, err = inProcess(func() error {
			a, err := packaging.Build(src)
			if err != nil {
				return err
			}
			ours = a.Size
			return a.Close()
		}); err != nil {
			return err
		}
		build.keepBest(m)
	}
	files, bytes := 0, int64(0)
	if err := filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			files++
			bytes += info.Size()
		}
		return nil
	}); err != nil {
		return err
	}
	fmt.Printf("tree: %d files, %.1f MB; GOMAXPROCS %d; best of %d interleaved rounds\n", files, float64(bytes)/1e6, runtime.GOMAXPROCS(0), rounds)
	fmt.Printf("%-34s %9s %9s\n", "", "wall s", "cpu s")
	row := func(name string, m measurement) { fmt.Printf("%-34s %9.3f %9.3f\n", name, m.wall, m.cpu) }
	row("packaging.Hash", hash)
	row("sha256sum (find | xargs)", sha)
	row("packaging.Build", build)
	row("zip -r -X -q -"+level, zip)
	fmt.Printf("ratios (ours / reference; < 1 means faster):\n")
	fmt.Printf("  Hash / sha256sum   wall %.2f  cpu %.2f\n", hash.wall/sha.wall, hash.cpu/sha.cpu)
	fmt.Printf("  Build / zip -%s     wall %.2f  cpu %.2f\n", level, build.wall/zip.wall, build.cpu/zip.cpu)
	fmt.Printf("archive size: packaging.Build %.2f MB, zip -%s %.2f MB (%.3f)\n", float64(ours)/1e6, level, float64(ref)/1e6, float64(ours)/float64(ref))
	return nil
}
