output "invoke_url" {
  description = "The URL that calls the function."
  value       = e2e_faas_function.this.invoke_url
}

output "status" {
  description = "Running after a successful apply."
  value       = e2e_faas_function.this.status
}
