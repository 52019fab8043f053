# By function ID
terraform import e2e_faas_function.my_func 12345678-1234-1234-1234-123456789012

# By <name>.<namespace>
terraform import e2e_faas_function.my_func my-function.e2e-faas-20235-dl
