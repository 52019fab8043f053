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

# faas-v1 only: functions that carry every one of these labels.
list "e2e_faas_function" "team" {
  provider = e2e

  config {
    labels = { team = "web" }
  }
}
