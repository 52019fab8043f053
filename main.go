// Command terraform-provider-e2e serves the E2E Terraform provider.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/provider"
)

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

//go:generate go tool -modfile=tools/go.mod tfplugindocs generate --provider-name e2e --rendered-provider-name E2E

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider for a debugger (delve) and print the TF_REATTACH_PROVIDERS value to use")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/e2eterraformprovider/e2e",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
