variable "name" {
  type        = string
  description = "The function's name."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,39}$", var.name))
    error_message = "The name must be 3 to 40 lowercase letters, digits and hyphens, starting with a letter (E2E's rule)."
  }
}

variable "runtime" {
  type        = string
  description = "A runtime of the API's catalogue (data.e2e_faas_runtimes lists them)."
  default     = "python3-http-debian"
}

variable "greeting" {
  type        = string
  description = "What the function answers."
  default     = "Hello"
}

variable "memory_mb" {
  type        = number
  description = "Memory in MB: one of E2E's sizes."
  default     = 256

  validation {
    condition     = contains([128, 256, 512, 1024], var.memory_mb)
    error_message = "E2E offers 128, 256, 512 or 1024 MB."
  }
}

variable "team" {
  type        = string
  description = "The owning team, given to the function as TEAM."
  default     = "platform"
}
