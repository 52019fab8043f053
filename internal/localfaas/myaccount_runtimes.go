// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"slices"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

// maRuntime is a runtime of the MyAccount dialect's catalogue
// (catalogue.MyAccount), with the facts the dialect's handlers use.
// handlerFile names the file the code text is stored as in the function's
// archive; it is the server's own knowledge and never goes on the wire.
type maRuntime struct {
	name             string
	nodeType         string
	handlerFile      string
	requirementsFile string // the catalogue's label
	boilerCode       string
	requirementsCode string
}

// maRuntimes is the catalogue of GET faas/runtimes/: catalogue.MyAccount, in
// its order.
var maRuntimes = myAccountRuntimes()

func myAccountRuntimes() []maRuntime {
	out := make([]maRuntime, len(catalogue.MyAccount))
	for i, rt := range catalogue.MyAccount {
		out[i] = maRuntime{name: rt.Name, nodeType: rt.NodeType(), handlerFile: rt.Handler,
			requirementsFile: rt.RequirementsFile, boilerCode: rt.BoilerCode, requirementsCode: rt.RequirementsCode}
	}
	return out
}

func lookupMARuntime(name string) (maRuntime, bool) {
	i := slices.IndexFunc(maRuntimes, func(r maRuntime) bool { return r.name == name })
	if i < 0 {
		return maRuntime{}, false
	}
	return maRuntimes[i], true
}

func maRuntimeNames() []string { return catalogue.MyAccount.Names() }
