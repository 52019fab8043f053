// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

// Command upload measures the provider's side of a code upload: it packs a
// directory of incompressible files with internal/packaging and sends it with
// the API client to an e2e-faas-local process, then reports its own peak RSS.
// Run once per size in a fresh process, so each figure is that upload's own:
//
//	go run ./bench/upload -sizes 5,25,47
//
// The server runs in a separate process, so its memory is not counted.
package main

import (
	"bufio"
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// Credentials of the throwaway local server, new for every run.
var benchKey, benchToken = randomHex(), randomHex()

func randomHex() string {
	b := make([]byte, 16)
	_, _ = cryptorand.Read(b)
	return hex.EncodeToString(b)
}

func main() {
	sizes := flag.String("sizes", "5,25,47", "archive sizes in MB, each measured in its own process")
	one := flag.Int("one", 0, "internal: measure one upload of this many MB")
	endpoint := flag.String("endpoint", "", "internal: API endpoint")
	flag.Parse()
	var err error
	if *one > 0 {
		err = measure(*one, *endpoint)
	} else {
		err = orchestrate(*sizes)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "upload:", err)
		os.Exit(1)
	}
}

// orchestrate starts e2e-faas-local and runs one child per size.
func orchestrate(sizes string) error {
	dir, err := os.MkdirTemp("", "upload-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	server := filepath.Join(dir, "e2e-faas-local")
	if out, err := exec.Command("go", "build", "-o", server, "./cmd/e2e-faas-local").CombinedOutput(); err != nil {
		return fmt.Errorf("building e2e-faas-local: %v\n%s", err, out)
	}
	self := filepath.Join(dir, "upload")
	if out, err := exec.Command("go", "build", "-o", self, "./bench/upload").CombinedOutput(); err != nil {
		return fmt.Errorf("building the benchmark: %v\n%s", err, out)
	}
	envFile := filepath.Join(dir, "env")
	srv := exec.Command(server, "-addr", "127.0.0.1:0", "-deploy-delay", "0", "-env-file", envFile,
		"-api-key", benchKey, "-auth-token", benchToken)
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { _ = srv.Process.Kill(); _, _ = srv.Process.Wait() }()
	endpoint, err := waitForEndpoint(envFile)
	if err != nil {
		return err
	}
	fmt.Println("| archive | upload time | peak RSS of the uploading process |")
	fmt.Println("|---:|---:|---:|")
	for _, s := range strings.Split(sizes, ",") {
		mb, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		child := exec.Command(self, "-one", strconv.Itoa(mb), "-endpoint", endpoint)
		child.Env = append(os.Environ(), "E2E_API_KEY="+benchKey, "E2E_AUTH_TOKEN="+benchToken)
		out, err := child.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%d MB: %v\n%s", mb, err, out)
		}
		fmt.Print(string(out))
	}
	return nil
}

func waitForEndpoint(envFile string) (string, error) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if f, err := os.Open(envFile); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if v, ok := strings.CutPrefix(sc.Text(), "export E2E_API_ENDPOINT="); ok {
					f.Close()
					return strings.Trim(v, "'"), nil
				}
			}
			f.Close()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "", fmt.Errorf("e2e-faas-local did not start")
}

// measure packs mb megabytes of random data and uploads it.
func measure(mb int, endpoint string) error {
	dir, err := os.MkdirTemp("", "upload-src")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "handler.py"), []byte("def handle(event, context):\n    return 'big'\n"), 0o644); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(mb), 7))
	buf := make([]byte, 1<<20)
	for i := 0; i < mb; i++ {
		for j := range buf {
			buf[j] = byte(rng.Uint32())
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("data-%03d.bin", i)), buf, 0o644); err != nil {
			return err
		}
	}
	start := time.Now()
	archive, err := packaging.Build(packaging.Source{Dir: dir, Runtime: "python3.11", Template: "http"})
	if err != nil {
		return err
	}
	defer archive.Close()
	client, err := faas.New(faas.Config{Endpoint: endpoint, APIKey: os.Getenv("E2E_API_KEY"), AuthToken: os.Getenv("E2E_AUTH_TOKEN")})
	if err != nil {
		return err
	}
	if _, err := client.CreateFunction(context.Background(), &faas.CreateFunctionRequest{
		Name: fmt.Sprintf("upload-%d", mb), FunctionSpec: faas.FunctionSpec{Runtime: "python3.11", Code: archive},
	}); err != nil {
		return err
	}
	elapsed := time.Since(start)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	fmt.Printf("| %.1f MB | %.2fs | %.1f MB |\n", float64(archive.Size)/1e6, elapsed.Seconds(), float64(ru.Maxrss)/1024)
	return nil
}
