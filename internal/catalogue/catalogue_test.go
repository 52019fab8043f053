// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package catalogue

import (
	"slices"
	"testing"
)

var dialects = map[string]Catalogue{"faas-v1": FaaSV1, "myaccount": MyAccount}

func TestLookup(t *testing.T) {
	rt, ok := FaaSV1.Lookup("python3.11")
	if !ok || rt.Name != "python3.11" || rt.Version != "3.11.9" || rt.Handler != "handler.py" || rt.Language != "python" {
		t.Fatalf("Lookup(python3.11) = %+v, %v", rt, ok)
	}
	// The copy is the caller's.
	rt.Templates[0], rt.Hardware[0] = "changed", "changed"
	if again, _ := FaaSV1.Lookup("python3.11"); again.Templates[0] != "http" || again.Hardware[0] != "cpu" {
		t.Errorf("changing a looked-up runtime changed the catalogue: %+v", again)
	}
	if rt, ok := MyAccount.Lookup("python3-http-debian"); !ok || rt.NodeType() != "cpu" || rt.RequirementsFile != "requirements.txt" {
		t.Errorf("Lookup(python3-http-debian) = %+v, %v", rt, ok)
	}
	for _, name := range []string{"", "cobol", "python3-http-debian"} {
		if rt, ok := FaaSV1.Lookup(name); ok || rt.Name != "" {
			t.Errorf("faas-v1 Lookup(%q) = %+v, %v", name, rt, ok)
		}
	}
	if _, ok := MyAccount.Lookup("python3.11"); ok {
		t.Error("MyAccount has python3.11")
	}
}

func TestListsAreInOrderAndFresh(t *testing.T) {
	wantNames := []string{"python3.11", "node20", "node18", "csharp7.0", "php8.2", "go1.21", "pytorch2.1.2", "tensorflow2.19.0", "custom"}
	if got := FaaSV1.Names(); !slices.Equal(got, wantNames) {
		t.Errorf("FaaSV1.Names() = %v", got)
	}
	if got := FaaSV1.Templates(); !slices.Equal(got, []string{"http", "flask", "fastapi", "node", "go"}) {
		t.Errorf("FaaSV1.Templates() = %v", got)
	}
	if got := FaaSV1.Hardware(); !slices.Equal(got, []string{"cpu", "gpu"}) {
		t.Errorf("FaaSV1.Hardware() = %v", got)
	}
	wantMA := []string{"python3-http-debian", "node18", "python3-tensorflow", "python3-http-cuda", "dotnet8-csharp", "ruby"}
	if got := MyAccount.Names(); !slices.Equal(got, wantMA) {
		t.Errorf("MyAccount.Names() = %v", got)
	}
	if got := MyAccount.Templates(); !slices.Equal(got, []string{"http"}) {
		t.Errorf("MyAccount.Templates() = %v", got)
	}
	if got := MyAccount.Hardware(); !slices.Equal(got, []string{"cpu", "gpu"}) {
		t.Errorf("MyAccount.Hardware() = %v", got)
	}

	names, templates, hardware := FaaSV1.Names(), FaaSV1.Templates(), FaaSV1.Hardware()
	names[0], templates[0], hardware[0] = "changed", "changed", "changed"
	if FaaSV1[0].Name != "python3.11" || FaaSV1.Templates()[0] != "http" || FaaSV1.Hardware()[0] != "cpu" {
		t.Error("changing a returned list changed the catalogue")
	}
	c := FaaSV1.Clone()
	c[0].Name, c[0].Templates[0] = "changed", "changed"
	if FaaSV1[0].Name != "python3.11" || FaaSV1[0].Templates[0] != "http" {
		t.Error("changing a clone changed the catalogue")
	}
}

// The contract's section Runtimes: every runtime offers http; python3.11
// adds flask and fastapi, node20 and node18 add node, go1.21 adds go;
// pytorch2.1.2 and tensorflow2.19.0 run on gpu and cpu, the others on cpu.
func TestFaaSV1FollowsTheContract(t *testing.T) {
	templates := map[string][]string{
		"python3.11": {"http", "flask", "fastapi"}, "node20": {"http", "node"}, "node18": {"http", "node"}, "go1.21": {"http", "go"},
	}
	gpu := map[string]bool{"pytorch2.1.2": true, "tensorflow2.19.0": true}
	for _, rt := range FaaSV1 {
		want := templates[rt.Name]
		if want == nil {
			want = []string{"http"}
		}
		if !slices.Equal(rt.Templates, want) {
			t.Errorf("%s offers %v, want %v", rt.Name, rt.Templates, want)
		}
		wantHW := []string{"cpu"}
		if gpu[rt.Name] {
			wantHW = []string{"cpu", "gpu"}
		}
		if !slices.Equal(rt.Hardware, wantHW) {
			t.Errorf("%s runs on %v, want %v", rt.Name, rt.Hardware, wantHW)
		}
		if rt.Version == "" {
			t.Errorf("%s has no version", rt.Name)
		}
		if rt.BoilerCode != "" || rt.RequirementsCode != "" {
			t.Errorf("%s has MyAccount starters", rt.Name)
		}
	}
}

func TestEveryRuntime(t *testing.T) {
	languages := []string{"python", "node", "go"}
	for dialect, c := range dialects {
		seen := map[string]bool{}
		for _, rt := range c {
			if rt.Name == "" || seen[rt.Name] {
				t.Errorf("%s: runtime %q is empty or listed twice", dialect, rt.Name)
			}
			seen[rt.Name] = true
			if len(rt.Templates) == 0 || rt.Templates[0] != DefaultTemplate {
				t.Errorf("%s %s: templates %v do not start with %s", dialect, rt.Name, rt.Templates, DefaultTemplate)
			}
			if len(rt.Hardware) == 0 {
				t.Errorf("%s %s: no hardware", dialect, rt.Name)
			}
			for _, list := range [][]string{rt.Templates, rt.Hardware} {
				if len(slices.Compact(slices.Sorted(slices.Values(list)))) != len(list) {
					t.Errorf("%s %s: %v holds a value twice", dialect, rt.Name, list)
				}
			}
			if (rt.Handler == "") != (rt.Name == CustomRuntime) {
				t.Errorf("%s %s: handler file %q (only %s has none)", dialect, rt.Name, rt.Handler, CustomRuntime)
			}
			if rt.Language != "" && !slices.Contains(languages, rt.Language) {
				t.Errorf("%s %s: the runner has no language %q", dialect, rt.Name, rt.Language)
			}
			if (rt.Language == "") == (rt.NotLocal == "") {
				t.Errorf("%s %s: language %q, not local %q: exactly one must be set", dialect, rt.Name, rt.Language, rt.NotLocal)
			}
		}
	}
}

func TestMyAccountRuntimes(t *testing.T) {
	for _, rt := range MyAccount {
		if len(rt.Hardware) != 1 || rt.NodeType() != rt.Hardware[0] {
			t.Errorf("%s: node types %v, NodeType %q; want exactly one", rt.Name, rt.Hardware, rt.NodeType())
		}
		if rt.RequirementsFile == "" || rt.BoilerCode == "" || rt.RequirementsCode == "" {
			t.Errorf("%s: the catalogue answer needs a label and both starters: %+v", rt.Name, rt)
		}
		if !slices.Equal(rt.Templates, []string{DefaultTemplate}) {
			t.Errorf("%s: templates %v; the dialect has none, its functions run as %s", rt.Name, rt.Templates, DefaultTemplate)
		}
	}
	if got := (Runtime{Hardware: []string{"cpu", "gpu"}}).NodeType(); got != "" {
		t.Errorf("NodeType of two hardware types = %q", got)
	}
}

// The local runner keys its languages by name across both dialects, so a
// name they share must mean the same runtime to it.
func TestSharedNamesAgree(t *testing.T) {
	shared := 0
	for _, ma := range MyAccount {
		v1, ok := FaaSV1.Lookup(ma.Name)
		if !ok {
			continue
		}
		shared++
		if v1.Language != ma.Language || v1.NotLocal != ma.NotLocal || v1.Handler != ma.Handler || v1.RequirementsFile != ma.RequirementsFile {
			t.Errorf("%s differs between the dialects:\nfaas-v1   %+v\nmyaccount %+v", ma.Name, v1, ma)
		}
	}
	if shared == 0 {
		t.Error("no shared name (node18 is in both): the test checks nothing")
	}
}

func TestHandlerFile(t *testing.T) {
	cases := []struct {
		runtime, template, want string
		ok                      bool
	}{
		{"python3.11", "http", "handler.py", true},
		{"python3.11", "", "handler.py", true},
		{"python3.11", "fastapi", "handler.py", true},
		{"python3.11", "go", "", false},
		{"pytorch2.1.2", "http", "handler.py", true},
		{"pytorch2.1.2", "flask", "", false},
		{"tensorflow2.19.0", "fastapi", "", false},
		{"node20", "node", "handler.js", true},
		{"go1.21", "go", "handler.go", true},
		{"php8.2", "http", "handler.php", true},
		{"csharp7.0", "http", "Handler.cs", true},
		{"custom", "http", "", false},
		{"custom", "", "", false},
	}
	for _, c := range cases {
		rt, _ := FaaSV1.Lookup(c.runtime)
		got, ok := rt.HandlerFile(c.template)
		if got != c.want || ok != c.ok {
			t.Errorf("%s.HandlerFile(%q) = %q, %v; want %q, %v", c.runtime, c.template, got, ok, c.want, c.ok)
		}
	}
	if _, ok := (Runtime{}).HandlerFile(""); ok {
		t.Error("the zero runtime has a handler file")
	}
}

func TestOffersAndRunsOn(t *testing.T) {
	py, _ := FaaSV1.Lookup("python3.11")
	torch, _ := FaaSV1.Lookup("pytorch2.1.2")
	cases := []struct {
		name string
		got  bool
		want bool
	}{
		{"python3.11 offers the default", py.Offers(""), true},
		{"python3.11 offers flask", py.Offers("flask"), true},
		{"python3.11 offers node", py.Offers("node"), false},
		{"pytorch2.1.2 offers flask", torch.Offers("flask"), false},
		{"python3.11 runs on cpu", py.RunsOn("cpu"), true},
		{"python3.11 runs on gpu", py.RunsOn("gpu"), false},
		{"pytorch2.1.2 runs on gpu", torch.RunsOn("gpu"), true},
		{"pytorch2.1.2 runs on tpu", torch.RunsOn("tpu"), false},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}
