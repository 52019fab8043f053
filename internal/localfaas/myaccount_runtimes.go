// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"slices"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

// myAccountRuntime is a runtime of the MyAccount dialect's catalogue
// (catalogue.MyAccount), with the facts the dialect's handlers use.
// handlerFile names the file the code text is stored as in the function's
// archive; it is the server's own knowledge and never goes on the wire.
type myAccountRuntime struct {
	name             string
	nodeType         string
	handlerFile      string
	requirementsFile string // the catalogue's label
	boilerCode       string
	requirementsCode string
}

// myAccountRuntimes is the catalogue of GET faas/runtimes/: catalogue.MyAccount, in
// its order.
var myAccountRuntimes = buildMyAccountRuntimes()

func buildMyAccountRuntimes() []myAccountRuntime {
	out := make([]myAccountRuntime, len(catalogue.MyAccount))
	for i, rt := range catalogue.MyAccount {
		out[i] = myAccountRuntime{name: rt.Name, nodeType: rt.NodeType(), handlerFile: rt.Handler,
			requirementsFile: rt.RequirementsFile, boilerCode: rt.BoilerCode, requirementsCode: rt.RequirementsCode}
	}
	return out
}

func lookupMARuntime(name string) (myAccountRuntime, bool) {
	i := slices.IndexFunc(myAccountRuntimes, func(r myAccountRuntime) bool { return r.name == name })
	if i < 0 {
		return myAccountRuntime{}, false
	}
	return myAccountRuntimes[i], true
}

func myAccountRuntimeNames() []string { return catalogue.MyAccount.Names() }
