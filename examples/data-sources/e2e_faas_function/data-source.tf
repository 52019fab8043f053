# A function to read. It is made here so that the example applies on its
# own; a data source usually reads one managed elsewhere.
resource "e2e_faas_function" "orders" {
  name        = "process-orders"
  runtime     = "python3-http-debian"
  code_inline = "def handle(event, context):\n    return {\"statusCode\": 200, \"body\": \"[]\"}\n"
}

# By name
data "e2e_faas_function" "orders" {
  name = e2e_faas_function.orders.name
}

output "orders_url" {
  value = data.e2e_faas_function.orders.invoke_url
}

# Or by ID: the name under E2E's MyAccount API, a UUID under faas-v1
data "e2e_faas_function" "by_id" {
  id = e2e_faas_function.orders.id
}
