# dialect: faas-v1
# Listing by label needs the faas-v1 API: E2E's MyAccount API has no labels,
# and there `labels` fails the plan (list every function without it).

# Every function of the backend team
data "e2e_faas_functions" "backend" {
  labels = {
    team = "backend"
  }
}

output "backend_urls" {
  value = { for f in data.e2e_faas_functions.backend.functions : f.name => f.invoke_url }
}
