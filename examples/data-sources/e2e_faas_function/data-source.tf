# A function managed elsewhere, by name
data "e2e_faas_function" "orders" {
  name = "process-orders"
}

output "orders_url" {
  value = data.e2e_faas_function.orders.invoke_url
}

# Or by ID
data "e2e_faas_function" "by_id" {
  id = "12345678-1234-1234-1234-123456789012"
}
