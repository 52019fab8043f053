# The secret's name; add its namespace when the secret is not in the
# provider's project:
#   identity = { name = "db-password", namespace = "e2e-faas-20235-dl" }
import {
  to = e2e_faas_secret.db_password
  identity = {
    name = "db-password"
  }
}
