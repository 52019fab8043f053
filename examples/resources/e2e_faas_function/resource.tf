# The smallest function: inline Python code, every setting at its default.
resource "e2e_faas_function" "hello" {
  name    = "hello"
  runtime = "python3.11"

  code_inline = <<-EOT
    def handle(event, context):
        return {"statusCode": 200, "body": "Hello from E2E"}
  EOT
}

# A function built from a directory, with resources, environment and secrets.
resource "e2e_faas_function" "orders" {
  name         = "process-orders"
  runtime      = "python3.11"
  template     = "flask"
  code_path    = "${path.module}/src/orders"
  requirements = "requests==2.31.0"

  config {
    memory_mb       = 512
    timeout_seconds = 60
    replicas        = 3
  }

  environment = {
    LOG_LEVEL = "INFO"
  }
  secrets = ["db-password"]

  labels = {
    team = "backend"
  }

  timeouts {
    create = "20m"
  }
}

output "hello_url" {
  value = e2e_faas_function.hello.invoke_url
}
