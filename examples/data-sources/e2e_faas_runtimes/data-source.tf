data "e2e_faas_runtimes" "available" {}

output "python_runtimes" {
  value = [for r in data.e2e_faas_runtimes.available.runtimes : r.name if startswith(r.name, "python")]
}

data "e2e_faas_runtimes" "gpu" {
  filter_hardware = "gpu"
}

# A function that starts from the catalogue's starter code (boiler_code, on
# E2E's MyAccount API).
resource "e2e_faas_function" "app" {
  name    = "my-app"
  runtime = data.e2e_faas_runtimes.available.runtimes[0].name

  code_inline = coalesce(data.e2e_faas_runtimes.available.runtimes[0].boiler_code, "def handle(event, context): return {'statusCode': 200}")
}
