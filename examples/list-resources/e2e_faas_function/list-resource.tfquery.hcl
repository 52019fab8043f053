# In a file ending in .tfquery.hcl next to the configuration:
#   terraform query                                      lists the functions
#   terraform query -generate-config-out=generated.tf    writes import blocks
#                                                        and resource blocks
list "e2e_faas_function" "console" {
  provider         = e2e
  include_resource = true # the whole function, for -generate-config-out

  config {
    name_prefix = "orders-"
    runtime     = "python3-http-debian"
  }
}

# Every function of the project, identities only. Under faas-v1, config can
# also filter by labels: labels = { team = "web" } lists the functions that
# carry every one of them (the MyAccount API has no labels).
list "e2e_faas_function" "all" {
  provider = e2e
}
