// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package catalogue

// FaaSV1 is the faas-v1 dialect's catalogue (internal/api/openapi.yaml), in the
// order of the design's validation list (DESIGN.md#validation-and-defaults):
// what GET runtimes answers and what functions are validated against. Per
// the contract, every runtime offers http; python3.11 adds flask and
// fastapi, node20 and node18 add node, go1.21 adds go; pytorch2.1.2 and
// tensorflow2.19.0 run on gpu and cpu, the others on cpu only.
//
// The requirements files are those the local runner reads from the code
// when the requirements field is empty. Inline code is packed with its
// requirements as requirements.txt whatever the runtime: that name is part
// of the source hash, not a fact of the runtime.
var FaaSV1 = Catalogue{
	{
		Name: "python3.11", Version: "3.11.9", Templates: []string{"http", "flask", "fastapi"}, Hardware: []string{"cpu"},
		Handler: "handler.py", RequirementsFile: "requirements.txt", Language: "python",
	},
	{
		Name: "node20", Version: "20.18.0", Templates: []string{"http", "node"}, Hardware: []string{"cpu"},
		Handler: "handler.js", RequirementsFile: "package.json", Language: "node",
	},
	{
		Name: "node18", Version: "18.20.4", Templates: []string{"http", "node"}, Hardware: []string{"cpu"},
		Handler: "handler.js", RequirementsFile: "package.json", Language: "node",
	},
	{
		Name: "csharp7.0", Version: "7.0.20", Templates: []string{"http"}, Hardware: []string{"cpu"},
		Handler: "Handler.cs", NotLocal: "the local server has no .NET template",
	},
	{
		Name: "php8.2", Version: "8.2.24", Templates: []string{"http"}, Hardware: []string{"cpu"},
		Handler: "handler.php", NotLocal: "the local server has no PHP template",
	},
	{
		Name: "go1.21", Version: "1.21.13", Templates: []string{"http", "go"}, Hardware: []string{"cpu"},
		Handler: "handler.go", Language: "go",
	},
	{
		Name: "pytorch2.1.2", Version: "2.1.2", Templates: []string{"http"}, Hardware: []string{"cpu", "gpu"},
		Handler: "handler.py", RequirementsFile: "requirements.txt", NotLocal: "it needs E2E's PyTorch GPU image",
	},
	{
		Name: "tensorflow2.19.0", Version: "2.19.0", Templates: []string{"http"}, Hardware: []string{"cpu", "gpu"},
		Handler: "handler.py", RequirementsFile: "requirements.txt", NotLocal: "it needs E2E's TensorFlow GPU image",
	},
	{
		// The version of the container contract: linux/amd64, non-root,
		// listening on 8080.
		Name: CustomRuntime, Version: "1.0", Templates: []string{"http"}, Hardware: []string{"cpu"},
		NotLocal: "it runs a container image, which the local server neither builds nor runs",
	},
}
