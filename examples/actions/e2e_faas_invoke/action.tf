# A smoke test after every deploy: the apply that creates or updates the
# function calls it once, and fails when it does not answer with a 2xx.
resource "e2e_faas_function" "hello" {
  name    = "hello"
  runtime = "python3-http-debian"

  code_inline = <<-EOT
    def handle(event, context):
        return {"statusCode": 200, "body": "Hello from E2E"}
  EOT

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.e2e_faas_invoke.smoke]
    }
  }
}

action "e2e_faas_invoke" "smoke" {
  config {
    function = e2e_faas_function.hello.id
  }
}

# On demand, and only then:
#   terraform apply -invoke=action.e2e_faas_invoke.order
action "e2e_faas_invoke" "order" {
  config {
    function         = e2e_faas_function.hello.id
    method           = "POST"
    body             = jsonencode({ item = "book", quantity = 1 })
    headers          = { "Content-Type" = "application/json" }
    success_statuses = [200, 201]
    timeout          = "1m"
    show_body        = false # keep the answer out of the output
  }
}
