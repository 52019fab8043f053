# The quickstart that `make demo` applies against the local server
# (e2e-faas-local). The provider reads its endpoint, credentials and project
# from E2E_API_ENDPOINT, E2E_API_KEY, E2E_AUTH_TOKEN and E2E_PROJECT_ID; the
# endpoint's path picks the API: /myaccount/api/v1/ (what E2E serves) or
# /faas/api/v1/ (the design's fuller API).
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

# A Python runtime of the API's catalogue: python3-http-debian on E2E's
# MyAccount API, python3.11 on faas-v1 (see data.e2e_faas_runtimes).
variable "runtime" {
  type    = string
  default = "python3-http-debian"
}

resource "e2e_faas_function" "hello" {
  name    = "hello-quickstart"
  runtime = var.runtime

  code_inline = <<-EOT
    def handle(event, context):
        return {"statusCode": 200, "body": "${var.greeting}"}
  EOT

  environment = {
    CREATED_BY = "quickstart"
  }
}

output "invoke_url" {
  value = e2e_faas_function.hello.invoke_url
}

output "status" {
  value = e2e_faas_function.hello.status
}

output "runtime" {
  value = e2e_faas_function.hello.runtime
}
