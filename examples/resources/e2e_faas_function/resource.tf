# On E2E's MyAccount API (the provider's default, and e2e-faas-local's):
# inline Python code in a runtime of E2E's catalogue, every setting at its
# default.
resource "e2e_faas_function" "hello" {
  name    = "hello"
  runtime = "python3-http-debian"

  code_inline = <<-EOT
    def handle(event, context):
        return {"statusCode": 200, "body": "Hello from E2E"}
  EOT
}

# One handler file and its requirements.txt from a directory (src/orders,
# next to this file), with memory and timeout among the MyAccount API's
# values, environment variables, and a secret made in the MyAccount console,
# bound by name.
resource "e2e_faas_function" "orders" {
  name      = "process-orders"
  runtime   = "python3-http-debian"
  code_path = "${path.module}/src/orders"

  config {
    memory_mb       = 512
    timeout_seconds = 60
  }

  environment = {
    LOG_LEVEL = "INFO"
  }
  secrets = ["db-password"]

  timeouts {
    create = "20m"
  }
}

output "hello_url" {
  value = e2e_faas_function.hello.invoke_url
}
