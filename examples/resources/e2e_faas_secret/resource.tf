variable "db_password" {
  type      = string
  sensitive = true
  ephemeral = true # Terraform 1.11+: never stored in plan or state
}

# Terraform 1.11+: the value is sent once and kept out of the plan and state.
# Bump value_wo_version to send a new value.
resource "e2e_faas_secret" "db_password" {
  name             = "db-password"
  value_wo         = var.db_password
  value_wo_version = 1

  # Lets one apply remove a function's binding and this secret together:
  # Terraform updates the function before it deletes the secret.
  lifecycle {
    create_before_destroy = true
  }
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
