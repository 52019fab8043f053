// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One failing configuration per validation rule of
// DESIGN.md#validation-and-defaults. Each fails at plan time with a message
// naming the attribute, and the server receives no write.
func TestAccFunction_validation(t *testing.T) {
	env := newTestEnv(t)
	notZip := filepath.Join(t.TempDir(), "code.zip")
	must(t, os.WriteFile(notZip, []byte("this is not a zip"), 0o644))
	emptyDir := t.TempDir()
	zipSlip := filepath.Join(t.TempDir(), "slip.zip")
	writeZip(t, zipSlip, map[string]string{"handler.py": "def handle(e, c): return 1\n", "../../etc/evil": "x"})
	noHandlerZip := filepath.Join(t.TempDir(), "nohandler.zip")
	writeZip(t, noHandlerZip, map[string]string{"main.py": "x = 1\n"})
	linkZip := filepath.Join(t.TempDir(), "link.zip")
	writeRawZip(t, linkZip, func(w *zip.Writer) {
		h := &zip.FileHeader{Name: "handler.py"}
		h.SetMode(os.ModeSymlink | 0o777)
		e, err := w.CreateHeader(h)
		must(t, err)
		_, err = e.Write([]byte("/etc/passwd"))
		must(t, err)
	})
	dupZip := filepath.Join(t.TempDir(), "dup.zip")
	writeRawZip(t, dupZip, func(w *zip.Writer) {
		for i := 0; i < 2; i++ {
			e, err := w.Create("handler.py")
			must(t, err)
			_, err = e.Write([]byte("def handle(e, c): return 1\n"))
			must(t, err)
		}
	})
	noHandlerDir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(noHandlerDir, "main.py"), []byte("x = 1\n"), 0o644))
	escapeDir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(escapeDir, "handler.py"), []byte("def handle(e, c): return 1\n"), 0o644))
	must(t, os.Symlink("/etc/hostname", filepath.Join(escapeDir, "leak.txt")))

	const code = `code_inline = "def handle(event, context):\n    return 1\n"`
	cases := []struct {
		name string
		body string
		want string
	}{
		{"name too short", `name = "ab"` + "\n" + `runtime = "python3.11"` + "\n" + code, `(?s)name.*length must be between 3 and 63`},
		{"name too long", `name = "` + strings.Repeat("a", 64) + `"` + "\n" + `runtime = "python3.11"` + "\n" + code, `(?s)name.*length must be between 3 and 63`},
		{"name uppercase", `name = "Bad-Name"` + "\n" + `runtime = "python3.11"` + "\n" + code, `(?s)name.*lowercase letters, digits and hyphens`},
		{"name underscore", `name = "bad_name"` + "\n" + `runtime = "python3.11"` + "\n" + code, `(?s)name.*lowercase letters, digits and hyphens`},
		{"name leading hyphen", `name = "-abc"` + "\n" + `runtime = "python3.11"` + "\n" + code, `(?s)name.*starting and ending`},
		{"name trailing hyphen", `name = "abc-"` + "\n" + `runtime = "python3.11"` + "\n" + code, `(?s)name.*starting and ending`},
		{"unknown runtime", `name = "okname"` + "\n" + `runtime = "python2.7"` + "\n" + code, `(?s)runtime.*value must be one of`},
		// The README's snippet against a server printing faas-v1 settings:
		// the message names the API in use, that the runtime is the other
		// API's, and how to pick that one.
		{"MyAccount runtime", `name = "okname"` + "\n" + `runtime = "python3-http-debian"` + "\n" + code,
			`(?s)runtime.*faas-v1 API.*"python3-http-debian" is a runtime of the MyAccount API.*api_flavor = "myaccount".*E2E_API_FLAVOR=myaccount`},
		{"unknown template", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + `template = "django"` + "\n" + code, `(?s)template.*value must be one of`},
		{"unknown hardware", cfgBlock(`hardware_type = "tpu"`), `(?s)hardware_type.*value must be one of`},
		{"memory below range", cfgBlock(`memory_mb = 63`), `(?s)memory_mb.*between 64 and 8192`},
		{"memory above range", cfgBlock(`memory_mb = 8193`), `(?s)memory_mb.*between 64 and 8192`},
		{"timeout below range", cfgBlock(`timeout_seconds = 0`), `(?s)timeout_seconds.*between 1 and 900`},
		{"timeout above range", cfgBlock(`timeout_seconds = 901`), `(?s)timeout_seconds.*between 1 and 900`},
		{"replicas below range", cfgBlock(`replicas = 0`), `(?s)replicas.*between 1 and 5`},
		{"replicas above range", cfgBlock(`replicas = 6`), `(?s)replicas.*between 1 and 5`},
		{"min_scale below range", cfgBlock(`min_scale = -1`), `(?s)min_scale.*between 0 and 100`},
		{"min_scale above range", cfgBlock("min_scale = 101\nmax_scale = 100"), `(?s)min_scale.*between 0 and 100`},
		{"max_scale below range", cfgBlock("max_scale = 0\nmin_scale = 0"), `(?s)max_scale.*between 1 and 100`},
		{"max_scale above range", cfgBlock(`max_scale = 101`), `(?s)max_scale.*between 1 and 100`},
		{"replicas on gpu", strings.Replace(cfgBlock("replicas = 2\nhardware_type = \"gpu\""), "python3.11", "pytorch2.1.2", 1), `(?s)replicas.*only possible with hardware_type = "cpu"`},
		{"min_scale above max_scale", cfgBlock("min_scale = 6\nmax_scale = 5"), `(?s)min_scale.*must be at most max_scale`},
		{"two config blocks", cfgBlock("memory_mb = 256") + "\nconfig {\nmemory_mb = 512\n}", `(?s)config.*at most 1`},
		{"no code source", `name = "okname"` + "\n" + `runtime = "python3.11"`, `(?s)Exactly one of these attributes.*code_path,code_archive,code_inline`},
		{"two code sources", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code + "\n" + `code_path = "."`, `(?s)Exactly one of these attributes.*code_path,code_archive,code_inline`},
		{"env key PORT", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code + "\n" + `environment = { PORT = "8080" }`, `(?s)environment.*PORT`},
		{"env key starts with digit", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code + "\n" + `environment = { "1ABC" = "x" }`, `(?s)environment.*starting with a letter or _`},
		{"env key with hyphen", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code + "\n" + `environment = { "A-B" = "x" }`, `(?s)environment.*letters, digits and _`},
		{"env key too long", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code + "\n" + `environment = { ` + strings.Repeat("A", 51) + ` = "x" }`, `(?s)environment.*length must be at most 50`},
		{"reserved label", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code + "\n" + `labels = { "com.openfaas.scale.min" = "2" }`, `(?s)labels.*reserves`},
		{"reserved annotation", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code + "\n" + `annotations = { "com.openfaas.health" = "x" }`, `(?s)annotations.*reserves`},
		{"NUL in an environment value", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code + "\n" + `environment = { A = "a\u0000b" }`, `(?s)environment.*NUL character`},
		{"secret named PORT", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code + "\n" + `secrets = ["PORT"]`, `(?s)secrets.*PORT`},
		{"fractional memory", cfgBlock("memory_mb = 128.5"), `(?s)memory_mb.*whole number`},
		{"huge memory", cfgBlock("memory_mb = 1e30"), `(?s)memory_mb.*whole number`},
		{"duplicate secrets", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code + "\n" + `secrets = ["a", "a"]`, `(?s)secrets.*duplicate values`},
		{"bad handler name", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code + "\n" + `handler_function = "1handle"`, `(?s)handler_function.*identifier`},
		{"empty requirements", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code + "\n" + `requirements = ""`, `(?s)requirements.*at least 1`},
		{"excludes without code_path", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + code + "\n" + `code_excludes = ["*.md"]`, `(?s)code_excludes.*code_path`},
		{"missing code_path", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + `code_path = "/nonexistent/e2e/code"`, `(?s)code_path`},
		{"empty code_path", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + `code_path = "` + emptyDir + `"`, `(?s)code_path`},
		{"code_archive not a zip", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + `code_archive = "` + notZip + `"`, `(?s)code_archive`},
		{"zip slip entry", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + `code_archive = "` + zipSlip + `"`, `(?s)code_archive.*\.\./\.\./etc/evil`},
		{"symlink entry in zip", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + `code_archive = "` + linkZip + `"`, `(?s)code_archive.*handler\.py.*link`},
		{"duplicate zip entries", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + `code_archive = "` + dupZip + `"`, `(?s)code_archive.*handler\.py.*more than once`},
		{"archive without handler", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + `code_archive = "` + noHandlerZip + `"`, `(?s)code_archive.*handler\.py`},
		{"directory without handler", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + `code_path = "` + noHandlerDir + `"`, `(?s)code_path.*handler\.py`},
		{"symlink leaving the directory", `name = "okname"` + "\n" + `runtime = "python3.11"` + "\n" + `code_path = "` + escapeDir + `"`, `(?s)code_path.*leak\.txt`},
		{"inline code for custom runtime", `name = "okname"` + "\n" + `runtime = "custom"` + "\n" + code, `(?s)code_inline.*no inline form`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			planFails(t, env.config("resource \"e2e_faas_function\" \"test\" {\n%s\n}\n", tc.body), tc.want)
		})
	}
	env.failedPlansWriteNothing(t)
}

// cfgBlock is a valid function body with the given config block content.
func cfgBlock(inner string) string {
	const code = `code_inline = "def handle(event, context):\n    return 1\n"`
	return "name = \"okname\"\nruntime = \"python3.11\"\n" + code + "\nconfig {\n" + inner + "\n}"
}
