terraform {
  required_providers {
    e2e = {
      source = "e2eterraformprovider/e2e"
    }
  }
}

# Credentials are best kept out of the configuration: set E2E_API_KEY and
# E2E_AUTH_TOKEN (and E2E_PROJECT_ID, E2E_LOCATION) in the environment.
# With no api_endpoint the provider talks to E2E's MyAccount API.
provider "e2e" {
  project_id = "20235"
  location   = "Delhi"
}
