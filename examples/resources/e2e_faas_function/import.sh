# On E2E's MyAccount API: by the function's name
terraform import e2e_faas_function.my_func my-function

# On the faas-v1 API: by function ID
terraform import e2e_faas_function.my_func 12345678-1234-1234-1234-123456789012

# On the faas-v1 API: by <name>.<namespace>
terraform import e2e_faas_function.my_func my-function.e2e-faas-20235-dl
