# On E2E's MyAccount API: the function's name.
import {
  to = e2e_faas_function.hello
  identity = {
    name = "hello"
  }
}

# On the faas-v1 API: the name and the namespace (the name alone when it is
# unique).
import {
  to = e2e_faas_function.reports
  identity = {
    name      = "build-reports"
    namespace = "e2e-faas-20235-dl"
  }
}
