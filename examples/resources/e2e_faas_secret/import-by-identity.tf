# The secret's name, and its namespace when it is not the project's.
import {
  to = e2e_faas_secret.db_password
  identity = {
    name      = "db-password"
    namespace = "e2e-faas-20235-dl"
  }
}
