# `terraform test` against e2e-faas-local: each run block plans or applies
# the module, and the functions it made are destroyed at the end. The
# provider reads the server's settings from the environment
# (E2E_API_ENDPOINT, E2E_API_KEY, E2E_AUTH_TOKEN, E2E_PROJECT_ID).

variables {
  name = "greeter"
}

run "deploys_a_running_function" {
  command = apply

  assert {
    condition     = output.status == "Running"
    error_message = "The function is not Running after the apply."
  }

  assert {
    condition     = startswith(output.invoke_url, "http")
    error_message = "The function has no invoke_url."
  }

  assert {
    condition     = e2e_faas_function.this.config[0].memory_mb == 256
    error_message = "The module's default memory size was not applied."
  }
}

run "changes_the_code_in_place" {
  command = apply

  variables {
    greeting = "Hello again"
  }

  assert {
    condition     = strcontains(e2e_faas_function.this.code_inline, "Hello again")
    error_message = "The new greeting is not in the deployed code."
  }

  assert {
    condition     = e2e_faas_function.this.id == "greeter"
    error_message = "The function was replaced, not updated in place (under the MyAccount API its id is its name)."
  }
}

run "refuses_a_memory_size_e2e_does_not_offer" {
  command = plan

  variables {
    memory_mb = 200
  }

  expect_failures = [var.memory_mb]
}
