package localfaas

import "slices"

// maRuntime is a runtime of the MyAccount dialect's catalogue. handlerFile
// names the file the code text is stored as in the function's archive; it is
// the server's own knowledge and never goes on the wire.
type maRuntime struct {
	name             string
	nodeType         string
	handlerFile      string
	requirementsFile string // the catalogue's label
	boilerCode       string
	requirementsCode string
}

// maRuntimes is the catalogue of GET faas/runtimes/, with the slugs of E2E's
// CLI (e2e-cli 0.9.30). They are OpenFaaS template names, and each starter
// follows its template: python3-http-debian and node18 run on the local
// runner, whose python "http" and node contracts are OpenFaaS's (see
// LOCAL_RUNTIMES.md).
var maRuntimes = []maRuntime{
	{
		name: "python3-http-debian", nodeType: "cpu", handlerFile: "handler.py", requirementsFile: "requirements.txt",
		boilerCode: `def handle(event, context):
    name = event.query.get("name", "world")
    return {
        "statusCode": 200,
        "body": {"message": "Hello, " + name + "!"},
    }
`,
		requirementsCode: "# Packages the handler needs, one a line, e.g.\n# requests==2.32.3\n",
	},
	{
		name: "node18", nodeType: "cpu", handlerFile: "handler.js", requirementsFile: "package.json",
		boilerCode: `'use strict';

module.exports = async (event, context) => {
  const name = (event.query && event.query.name) || 'world';
  return context.status(200).succeed({ message: 'Hello, ' + name + '!' });
};
`,
		requirementsCode: `{
  "name": "function",
  "version": "1.0.0",
  "description": "",
  "main": "handler.js",
  "dependencies": {}
}
`,
	},
	{
		name: "python3-tensorflow", nodeType: "gpu", handlerFile: "handler.py", requirementsFile: "requirements.txt",
		boilerCode: `import tensorflow as tf


def handle(event, context):
    return {
        "statusCode": 200,
        "body": {
            "tensorflow": tf.__version__,
            "gpus": len(tf.config.list_physical_devices("GPU")),
        },
    }
`,
		requirementsCode: "# TensorFlow is part of the image; other packages, one a line, e.g.\n# numpy\n",
	},
	{
		name: "python3-http-cuda", nodeType: "gpu", handlerFile: "handler.py", requirementsFile: "requirements.txt",
		boilerCode: `import subprocess


def handle(event, context):
    gpus = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).stdout
    return {"statusCode": 200, "body": {"gpus": gpus.splitlines()}}
`,
		requirementsCode: "# Packages the handler needs, one a line, e.g.\n# torch\n",
	},
	{
		name: "dotnet8-csharp", nodeType: "cpu", handlerFile: "Handler.cs", requirementsFile: "Function.csproj",
		boilerCode: `using System;
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
		requirementsCode: `<Project Sdk="Microsoft.NET.Sdk">
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
		name: "ruby", nodeType: "cpu", handlerFile: "handler.rb", requirementsFile: "Gemfile",
		boilerCode: `class Handler
  def run(body, headers)
    return "Hello, world!", { "Content-Type" => "text/plain" }
  end
end
`,
		requirementsCode: "source 'https://rubygems.org'\n\n# gem 'json'\n",
	},
}

func lookupMARuntime(name string) (maRuntime, bool) {
	i := slices.IndexFunc(maRuntimes, func(r maRuntime) bool { return r.name == name })
	if i < 0 {
		return maRuntime{}, false
	}
	return maRuntimes[i], true
}

func maRuntimeNames() []string {
	names := make([]string, len(maRuntimes))
	for i, r := range maRuntimes {
		names[i] = r.name
	}
	return names
}
