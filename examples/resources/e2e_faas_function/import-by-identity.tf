# On E2E's MyAccount API a function's identity is its name. On the faas-v1
# API it is its name and namespace (the name alone will do when it is
# unique):
#   identity = { name = "hello", namespace = "e2e-faas-20235-dl" }
import {
  to = e2e_faas_function.hello
  identity = {
    name = "hello"
  }
}

# A function made in the console, with the resource block it is imported
# into: the apply imports it, then brings it to this configuration.
import {
  to = e2e_faas_function.reports
  identity = {
    name = "build-reports"
  }
}

resource "e2e_faas_function" "reports" {
  name    = "build-reports"
  runtime = "python3-http-debian"

  code_inline = <<-EOT
    def handle(event, context):
        return {"statusCode": 200, "body": "reports"}
  EOT
}
