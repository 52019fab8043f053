# On E2E's MyAccount API (the provider's default): inline Python code in a
# runtime of E2E's catalogue, every setting at its default.
resource "e2e_faas_function" "hello" {
  name    = "hello"
  runtime = "python3-http-debian"

  code_inline = <<-EOT
    def handle(event, context):
        return {"statusCode": 200, "body": "Hello from E2E"}
  EOT
}

# On E2E's MyAccount API: one handler file and its requirements.txt from a
# directory, with memory, timeout, environment and a secret made in the
# MyAccount console.
resource "e2e_faas_function" "orders" {
  name      = "process-orders"
  runtime   = "python3-http-debian"
  code_path = "${path.module}/src/orders" # handler.py and requirements.txt

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

# On the faas-v1 API (e2e-faas-local's /faas/api/v1/), which has templates,
# scaling, labels and archives of many files too.
resource "e2e_faas_function" "reports" {
  name      = "build-reports"
  runtime   = "python3.11"
  template  = "flask"
  code_path = "${path.module}/src/reports"

  config {
    memory_mb = 512
    replicas  = 3
  }

  labels = {
    team = "backend"
  }
}

output "hello_url" {
  value = e2e_faas_function.hello.invoke_url
}
