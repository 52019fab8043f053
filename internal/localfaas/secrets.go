// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

type secretKey struct{ namespace, name string }

type secretRecord struct {
	Secret
	value string
}

func (s *Server) createSecret(w http.ResponseWriter, r *http.Request) {
	errs := fieldErrors{}
	o, bad := readObject(w, r, "", errs, "name", "value", "namespace")
	if bad != nil {
		writeAPIError(w, bad)
		return
	}
	o.require("name", "value")
	name, value, ns := o.str("name"), o.str("value"), o.str("namespace")
	if name != nil && (len(*name) > 253 || !secretNameRE.MatchString(*name)) {
		errs.Add("name", "must be 1 to 253 letters, digits and hyphens, starting and ending with a letter or digit")
	}
	if value != nil && *value == "" {
		errs.Add("value", "must not be empty")
	}
	namespace := s.namespace(r)
	if ns != nil {
		if len(*ns) > 63 || !namespaceRE.MatchString(*ns) {
			errs.Add("namespace", "must be a namespace name such as %s", namespace)
		}
		namespace = *ns
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "invalid secret", errs)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	key := secretKey{namespace, *name}
	if s.secrets[key] != nil {
		writeError(w, http.StatusConflict, "secret \""+*name+"\" already exists in namespace "+namespace+
			"; to change its value, rotate it in place with PUT secrets/"+*name, nil)
		return
	}
	now := s.now()
	rec := &secretRecord{Secret: Secret{ID: newUUID(), Name: *name, Namespace: namespace, CreatedAt: now, UpdatedAt: now}, value: *value}
	s.secrets[key] = rec
	s.writeOK(w, http.StatusCreated, secretToWire(rec.Secret))
}

func (s *Server) listSecrets(w http.ResponseWriter, r *http.Request) {
	ns := s.namespace(r)
	out := []wireSecret{}
	for _, sec := range s.Secrets() {
		if sec.Namespace == ns {
			out = append(out, secretToWire(sec))
		}
	}
	s.writeOK(w, http.StatusOK, struct {
		Secrets []wireSecret `json:"secrets"`
	}{out})
}

// updateSecret answers PUT secrets/{name}: the value is replaced in place and
// every function of the namespace that names the secret redeploys through
// the usual deploy path, so its workers restart with the new value in their
// environment (and a deploy fault or FailNextDeploy applies as to any
// deploy). A function being deleted is left to go. The answer lists the
// redeploying functions' ids, sorted, and never holds the value.
func (s *Server) updateSecret(w http.ResponseWriter, r *http.Request) {
	errs := fieldErrors{}
	o, bad := readObject(w, r, "", errs, "value")
	if bad != nil {
		writeAPIError(w, bad)
		return
	}
	o.require("value")
	value := o.str("value")
	if value != nil && *value == "" {
		errs.Add("value", "must not be empty")
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "invalid secret value", errs)
		return
	}
	key := secretKey{s.namespace(r), r.PathValue("name")}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.advanceLocked(now)
	sec := s.secrets[key]
	if sec == nil {
		writeError(w, http.StatusNotFound, "secret \""+key.name+"\" not found in namespace "+key.namespace+
			"; create it with POST secrets", nil)
		return
	}
	sec.value, sec.UpdatedAt = *value, now
	ids := []string{}
	for _, rec := range s.secretUsersLocked(key) {
		if rec.fn.Status == StatusDeleting {
			continue
		}
		rec.log(now, "stdout", "secret %q rotated: redeploying with its new value", key.name)
		s.startDeployLocked(rec, now)
		ids = append(ids, rec.fn.ID)
	}
	s.writeOK(w, http.StatusOK, wireSecretRotation{
		wireSecret: secretToWire(sec.Secret), UpdatedAt: formatTime(sec.UpdatedAt), Functions: ids,
	})
}

// secretUsersLocked returns the functions of the secret's namespace that name
// it, by id: deploys started in this order meet the same injected faults
// whatever the map's order.
func (s *Server) secretUsersLocked(key secretKey) []*record {
	var users []*record
	for _, rec := range s.functions {
		if rec.fn.Namespace == key.namespace && slices.Contains(rec.fn.Secrets, key.name) {
			users = append(users, rec)
		}
	}
	slices.SortFunc(users, func(a, b *record) int { return cmp.Compare(a.fn.ID, b.fn.ID) })
	return users
}

func (s *Server) deleteSecret(w http.ResponseWriter, r *http.Request) {
	key := secretKey{s.namespace(r), r.PathValue("name")}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.now())
	if s.secrets[key] == nil {
		writeError(w, http.StatusNotFound, "secret \""+key.name+"\" not found in namespace "+key.namespace, nil)
		return
	}
	var users []string
	for _, rec := range s.secretUsersLocked(key) {
		users = append(users, rec.fn.Name)
	}
	if len(users) > 0 {
		slices.Sort(users)
		writeError(w, http.StatusConflict, "secret \""+key.name+"\" is still used by function(s) "+strings.Join(users, ", ")+
			"; remove it from them first", nil)
		return
	}
	delete(s.secrets, key)
	w.WriteHeader(http.StatusNoContent)
}

// Secrets returns every secret, without values, by namespace then name.
func (s *Server) Secrets() []Secret {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Secret, 0, len(s.secrets))
	for _, rec := range s.secrets {
		out = append(out, rec.Secret)
	}
	slices.SortFunc(out, func(a, b Secret) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// SecretValue returns a secret's value, for running functions. It is never
// exposed over HTTP.
func (s *Server) SecretValue(namespace, name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.secrets[secretKey{namespace, name}]
	if rec == nil {
		return "", false
	}
	return rec.value, true
}
