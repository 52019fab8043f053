# dialect: faas-v1
# e2e_faas_secret needs the faas-v1 API (api_flavor = "faas-v1", or an
# api_endpoint ending in /faas/api/v1/, such as e2e-faas-local's with
# -dialect faas-v1); E2E's MyAccount API has no secrets endpoint, so there
# secrets are made in the console and bound by name with `secrets`.

variable "db_password" {
  type      = string
  sensitive = true
  ephemeral = true # Terraform 1.11+: never stored in plan or state
}

# Terraform 1.11+: the value is sent once and kept out of the plan and state.
# To rotate it, bump value_wo_version: the secret changes in place, in one
# apply, and every function that binds it redeploys with the new value.
resource "e2e_faas_secret" "db_password" {
  name             = "db-password"
  value_wo         = var.db_password
  value_wo_version = 1
}

resource "e2e_faas_function" "app" {
  name    = "my-app"
  runtime = "python3.11"

  # The secret reaches the function as an environment variable of its name.
  secrets = [e2e_faas_secret.db_password.name]

  code_inline = <<-EOF
    import os

    def handle(event, context):
        db_pass = os.environ.get("db-password")
        return {"statusCode": 200, "body": "connected" if db_pass else "no secret"}
  EOF
}
