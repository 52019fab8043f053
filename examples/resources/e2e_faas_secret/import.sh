# By name (in the provider's project namespace)
terraform import e2e_faas_secret.db_password db-password

# By <name>.<namespace>
terraform import e2e_faas_secret.db_password db-password.e2e-faas-20235-dl
