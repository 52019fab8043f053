// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package catalogue

// MyAccount is the catalogue of the MyAccount dialect (internal/api/myaccount.yaml),
// E2E's API today: what its GET faas/runtimes/ answers, with the slugs of
// E2E's CLI (e2e-cli 0.9.30). The live catalogue is the authority; these are
// the runtimes the local server offers. The slugs are OpenFaaS template
// names, and each starter (BoilerCode, RequirementsCode) follows its
// template: python3-http-debian and node18 run on the local runner, whose
// python "http" and node contracts are OpenFaaS's (see LOCAL_RUNTIMES.md).
// The dialect has no template field, so every runtime offers only
// DefaultTemplate, and each runs on exactly one node type.
//
// Handler names the file the code text is stored as in the function's
// archive: the server's own knowledge, never on the wire.
var MyAccount = Catalogue{
	{
		Name: "python3-http-debian", Templates: []string{DefaultTemplate}, Hardware: []string{"cpu"},
		Handler: "handler.py", RequirementsFile: "requirements.txt", Language: "python",
		BoilerCode: `def handle(event, context):
    name = event.query.get("name", "world")
    return {
        "statusCode": 200,
        "body": {"message": "Hello, " + name + "!"},
    }
`,
		RequirementsCode: "# Packages the handler needs, one a line, e.g.\n# requests==2.32.3\n",
	},
	{
		Name: "node18", Templates: []string{DefaultTemplate}, Hardware: []string{"cpu"},
		Handler: "handler.js", RequirementsFile: "package.json", Language: "node",
		BoilerCode: `'use strict';

module.exports = async (event, context) => {
  const name = (event.query && event.query.name) || 'world';
  return context.status(200).succeed({ message: 'Hello, ' + name + '!' });
};
`,
		RequirementsCode: `{
  "name": "function",
  "version": "1.0.0",
  "description": "",
  "main": "handler.js",
  "dependencies": {}
}
`,
	},
	{
		Name: "python3-tensorflow", Templates: []string{DefaultTemplate}, Hardware: []string{"gpu"},
		Handler: "handler.py", RequirementsFile: "requirements.txt", NotLocal: "it needs E2E's TensorFlow GPU image",
		BoilerCode: `import tensorflow as tf


def handle(event, context):
    return {
        "statusCode": 200,
        "body": {
            "tensorflow": tf.__version__,
            "gpus": len(tf.config.list_physical_devices("GPU")),
        },
    }
`,
		RequirementsCode: "# TensorFlow is part of the image; other packages, one a line, e.g.\n# numpy\n",
	},
	{
		Name: "python3-http-cuda", Templates: []string{DefaultTemplate}, Hardware: []string{"gpu"},
		Handler: "handler.py", RequirementsFile: "requirements.txt", NotLocal: "it needs E2E's CUDA GPU image",
		BoilerCode: `import subprocess


def handle(event, context):
    gpus = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).stdout
    return {"statusCode": 200, "body": {"gpus": gpus.splitlines()}}
`,
		RequirementsCode: "# Packages the handler needs, one a line, e.g.\n# torch\n",
	},
	{
		Name: "dotnet8-csharp", Templates: []string{DefaultTemplate}, Hardware: []string{"cpu"},
		Handler: "Handler.cs", RequirementsFile: "Function.csproj", NotLocal: "the local server has no .NET template",
		BoilerCode: `using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Function
{
    public class FunctionHandler
    {
        public Task<(int, string)> Handle(HttpRequest request)
        {
            string name = request.Query["name"];
            return Task.FromResult((200, "Hello, " + (name ?? "world") + "!"));
        }
    }
}
`,
		RequirementsCode: `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net8.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>disable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <FrameworkReference Include="Microsoft.AspNetCore.App" />
  </ItemGroup>
</Project>
`,
	},
	{
		Name: "ruby", Templates: []string{DefaultTemplate}, Hardware: []string{"cpu"},
		Handler: "handler.rb", RequirementsFile: "Gemfile", NotLocal: "the local server has no Ruby template",
		BoilerCode: `class Handler
  def run(body, headers)
    return "Hello, world!", { "Content-Type" => "text/plain" }
  end
end
`,
		RequirementsCode: "source 'https://rubygems.org'\n\n# gem 'json'\n",
	},
}
