data "e2e_faas_runtimes" "available" {}

output "python_runtimes" {
  value = [for r in data.e2e_faas_runtimes.available.runtimes : r if startswith(r.name, "python")]
}

data "e2e_faas_runtimes" "gpu" {
  filter_hardware = "gpu"
}

resource "e2e_faas_function" "app" {
  name    = "my-app"
  runtime = data.e2e_faas_runtimes.available.runtimes[0].name

  code_inline = "def handle(event, context): return {'statusCode': 200}"
}
