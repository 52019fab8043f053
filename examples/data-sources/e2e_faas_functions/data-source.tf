# Every function of the backend team
data "e2e_faas_functions" "backend" {
  labels = {
    team = "backend"
  }
}

output "backend_urls" {
  value = { for f in data.e2e_faas_functions.backend.functions : f.name => f.invoke_url }
}
