# The quickstart that `make demo` applies against the local server
# (e2e-faas-local). The provider reads its endpoint and credentials from
# E2E_API_ENDPOINT, E2E_API_KEY and E2E_AUTH_TOKEN.
terraform {
  required_providers {
    e2e = {
      source = "e2eterraformprovider/e2e"
    }
  }
}

provider "e2e" {}

variable "greeting" {
  type    = string
  default = "Hello from E2E FaaS"
}

resource "e2e_faas_function" "hello" {
  name    = "hello-quickstart"
  runtime = "python3.11"

  code_inline = <<-EOT
    def handle(event, context):
        return {"statusCode": 200, "body": "${var.greeting}"}
  EOT

  labels = {
    created-by = "quickstart"
  }
}

output "invoke_url" {
  value = e2e_faas_function.hello.invoke_url
}

output "status" {
  value = e2e_faas_function.hello.status
}

output "version" {
  value = e2e_faas_function.hello.version
}
