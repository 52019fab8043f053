# A small module a team might share: one e2e_faas_function with the team's
# defaults. tests/function.tftest.hcl tests it with `terraform test` against
# e2e-faas-local (see docs/guides/testing-modules.md).
terraform {
  required_version = ">= 1.11"
  required_providers {
    e2e = {
      source = "e2eterraformprovider/e2e"
    }
  }
}

resource "e2e_faas_function" "this" {
  name    = var.name
  runtime = var.runtime

  code_inline = <<-EOT
    def handle(event, context):
        return {"statusCode": 200, "body": "${var.greeting}"}
  EOT

  config {
    memory_mb = var.memory_mb
  }

  environment = {
    TEAM = var.team
  }
}
