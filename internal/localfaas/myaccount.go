// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// The MyAccount dialect (internal/api/myaccount.yaml) over the store faas-v1 uses: a
// function is found by name in the namespace of the request's project_id,
// whichever dialect made it. Its code is the text of one handler file; the
// server keeps it in an archive with the requirements file, so the deploy and
// the runner treat it as any other function (template "http", handler
// "handle").

// myAccountLimits are the dialect's name, memory and timeout limits.
var myAccountLimits = catalogue.MyAccountLimits

const (
	// myAccountReadOnly is what E2E's documentation says of a function in flight.
	myAccountReadOnly = "settings are read-only while a function is Creating or Deploying"
)

// myAccountQuery refuses a request without the query every MyAccount
// request carries: project_id, which names the namespace, and location.
func myAccountQuery(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		errs := fieldErrors{}
		switch p := q.Get("project_id"); {
		case p == "":
			errs.Add("project_id", "is required: the project's ID, a positive integer such as 12345")
		case !catalogue.IsProjectID(p):
			errs.Add("project_id", "must be a positive integer such as 12345")
		}
		if q.Get("location") == "" {
			errs.Add("location", "is required: the region, e.g. Delhi")
		}
		if len(errs) > 0 {
			writeMyAccountError(w, http.StatusBadRequest, "invalid query", errs)
			return
		}
		h(w, r)
	}
}

// myAccountSettings are what a create or an update sets besides name, runtime and
// node type.
type myAccountSettings struct {
	code, requirements string
	environment        map[string]string
	secrets            []string
	memory, timeout    int
}

// decodeMASettings reads and checks the settings of a create or update body;
// problems go to o's errors, by wire key.
func decodeMASettings(o *object) myAccountSettings {
	var s myAccountSettings
	errs := o.errs
	if code := o.str("code"); code != nil {
		s.code = *code
		switch {
		case *code == "":
			errs.Add("code", "must not be empty: send the text of the handler file")
		case int64(len(*code)) > packaging.MaxSingleFileSize:
			errs.Add("code", "is %d bytes; at most %d bytes are accepted", len(*code), packaging.MaxSingleFileSize)
		}
	}
	if req := o.str("requirements"); req != nil {
		s.requirements = *req
		if int64(len(*req)) > packaging.MaxSingleFileSize {
			errs.Add("requirements", "is %d bytes; at most %d bytes are accepted", len(*req), packaging.MaxSingleFileSize)
		}
	}
	if mem := o.integer("memory"); mem != nil {
		s.memory = *mem
		if !myAccountLimits.MemoryAccepted(int64(*mem)) {
			errs.Add("memory", "must be one of %s (MB; got %d)", catalogue.JoinValues(myAccountLimits.MemoryChoicesMB), *mem)
		}
	}
	if timeout := o.integer("timeout"); timeout != nil {
		s.timeout = *timeout
		if *timeout < catalogue.TimeoutMinSeconds || int64(*timeout) > myAccountLimits.TimeoutMaxSeconds {
			errs.Add("timeout", "must be between %d and %d seconds (got %d)", catalogue.TimeoutMinSeconds, myAccountLimits.TimeoutMaxSeconds, *timeout)
		}
	}
	s.environment = o.strMap("environment_variables")
	for _, key := range sortedKeys(s.environment) {
		switch {
		case key == "PORT":
			errs.Add("environment_variables", "%q is reserved by the platform", key)
		case len(key) > maxEnvKeyLen:
			errs.Add("environment_variables", "%q is longer than %d characters", key, maxEnvKeyLen)
		case !envKeyRE.MatchString(key):
			errs.Add("environment_variables", "%q must be letters, digits and underscores, not starting with a digit", key)
		}
	}
	s.secrets = o.strList("secrets")
	seen := map[string]bool{}
	for _, name := range s.secrets {
		switch {
		case seen[name]:
			errs.Add("secrets", "secret %q is listed more than once", name)
		case !secretNameRE.MatchString(name):
			errs.Add("secrets", "%q is not a secret name: letters, digits and hyphens, starting and ending with a letter or digit", name)
		}
		seen[name] = true
	}
	emptyObject(o, "params")
	return s
}

// emptyObject checks a key that must hold {} (the CLI always sends it so).
func emptyObject(o *object, key string) {
	v, ok := o.value(key)
	if !ok {
		return
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(v, &m) != nil || m == nil {
		o.errs.Add(o.path(key), "must be an empty object, {}")
	} else if len(m) > 0 {
		o.errs.Add(o.path(key), "must be {}: nothing may be set in it")
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// readMAObject is readObject with failures answered in the envelope.
func readMAObject(w http.ResponseWriter, r *http.Request, errs fieldErrors, allowed []string) (*object, bool) {
	o, bad := readObject(w, r, "", errs, allowed...)
	if bad != nil {
		writeMyAccountError(w, bad.Code, bad.Message, bad.Errors)
		return nil, false
	}
	o.require(allowed...)
	return o, true
}

// myAccountArchive is the archive a MyAccount function runs from: its handler file,
// named by the runtime, and its requirements file when there are
// requirements. Entries are stored, not compressed, with a fixed time: the
// archive is built under the store's lock, so it must be cheap, and the same
// code gives the same archive.
func myAccountArchive(rt myAccountRuntime, code, requirements string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, text string) error {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return err
		}
		_, err = fw.Write([]byte(text))
		return err
	}
	if err := add(rt.handlerFile, code); err != nil {
		return nil, err
	}
	if requirements != "" {
		if err := add(rt.requirementsFile, requirements); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// applyMASettings stores the settings and the code's archive on f.
func applyMASettings(f *Function, rt myAccountRuntime, set myAccountSettings) error {
	archive, err := myAccountArchive(rt, set.code, set.requirements)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(set.code))
	f.Code, f.Requirements = set.code, set.requirements
	f.CodeArchive, f.CodeSHA256 = archive, hex.EncodeToString(sum[:])
	f.Environment = cloneMap(set.environment)
	f.Secrets = cloneList(set.secrets)
	f.Config.MemoryMB, f.Config.TimeoutSeconds = set.memory, set.timeout
	return nil
}

func (s *Server) myAccountCreateFunction(w http.ResponseWriter, r *http.Request) {
	errs := fieldErrors{}
	o, ok := readMAObject(w, r, errs, myAccountCreateFields)
	if !ok {
		return
	}
	name := o.str("function")
	if name != nil {
		switch {
		case len(*name) < myAccountLimits.NameMin || len(*name) > myAccountLimits.NameMax:
			errs.Add("function", "must be %d to %d characters long (got %d)", myAccountLimits.NameMin, myAccountLimits.NameMax, len(*name))
		case !myAccountLimits.NameFits(*name):
			errs.Add("function", "must be lowercase letters, digits and hyphens, starting with a letter")
		}
	}
	rtName, nodeType := o.str("runtime"), o.str("node_type")
	var rt myAccountRuntime
	if rtName != nil {
		var known bool
		if rt, known = lookupMARuntime(*rtName); !known {
			errs.Add("runtime", "must be one of %s", strings.Join(myAccountRuntimeNames(), ", "))
		}
	}
	switch {
	case nodeType == nil:
	case !slices.Contains(hardwareTypes, *nodeType):
		errs.Add("node_type", "must be cpu or gpu")
	case rt.name != "" && *nodeType != rt.nodeType:
		errs.Add("node_type", "must be %s: runtime %s runs on %s nodes", rt.nodeType, rt.name, rt.nodeType)
	}
	emptyObject(o, "arguments")
	set := decodeMASettings(o)
	if len(errs) > 0 {
		writeMyAccountError(w, http.StatusBadRequest, "invalid function", errs)
		return
	}
	ns := s.namespace(r)

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.advanceLocked(now)
	if s.findByNameLocked(ns, *name) != nil {
		writeMyAccountError(w, http.StatusConflict, fmt.Sprintf(
			"a function named %q already exists in project %s; choose another name, or update or delete that function",
			*name, r.URL.Query().Get("project_id")), nil)
		return
	}
	f := Function{ID: newUUID(), Name: *name, Namespace: ns, CreatedAt: now}
	resetSettings(&f)
	f.Runtime, f.Config.HardwareType = rt.name, rt.nodeType
	if err := applyMASettings(&f, rt, set); err != nil {
		writeMyAccountError(w, http.StatusInternalServerError, "cannot store the code: "+err.Error(), nil)
		return
	}
	f.InvokeURL = invokeURL(r, &f)
	rec := &record{fn: f, console: s.console}
	s.functions[f.ID] = rec
	s.startDeployLocked(rec, now)
	writeMyAccountOK(w, toMAFunction(&rec.fn, invokeURL(r, &rec.fn)))
}

// withMAFunction runs do on the function the path names, under the lock and
// after settling the lifecycle; an unknown name is answered as E2E does,
// HTTP 200 with body code 404.
func (s *Server) withMAFunction(w http.ResponseWriter, r *http.Request, do func(rec *record, now time.Time)) {
	name, ns := r.PathValue("name"), s.namespace(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.advanceLocked(now)
	rec := s.findByNameLocked(ns, name)
	if rec == nil {
		writeMyAccountNotFound(w, name, ns)
		return
	}
	do(rec, now)
}

func (s *Server) myAccountGetFunction(w http.ResponseWriter, r *http.Request) {
	s.withMAFunction(w, r, func(rec *record, _ time.Time) {
		if s.opts.MyAccountSparse {
			writeMyAccountOK(w, toMASparse(&rec.fn, invokeURL(r, &rec.fn)))
			return
		}
		writeMyAccountOK(w, toMAFunction(&rec.fn, invokeURL(r, &rec.fn)))
	})
}

func (s *Server) myAccountListFunctions(w http.ResponseWriter, r *http.Request) {
	ns := s.namespace(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.now())
	matched := s.listLocked(ns, func(*Function) bool { return true })
	out := make([]myAccountSummary, len(matched))
	for i, f := range matched {
		out[i] = toMASummary(f, invokeURL(r, f))
	}
	writeMyAccountOK(w, out)
}

// myAccountUpdateFunction replaces code, requirements, environment, secrets,
// memory and timeout, and redeploys.
func (s *Server) myAccountUpdateFunction(w http.ResponseWriter, r *http.Request) {
	errs := fieldErrors{}
	o, ok := readMAObject(w, r, errs, myAccountUpdateFields)
	if !ok {
		return
	}
	set := decodeMASettings(o)
	if len(errs) > 0 {
		writeMyAccountError(w, http.StatusBadRequest, "invalid function", errs)
		return
	}
	s.withMAFunction(w, r, func(rec *record, now time.Time) {
		f := &rec.fn
		if bad := myAccountInFlight(f); bad != "" {
			writeMyAccountError(w, http.StatusConflict, bad, nil)
			return
		}
		rt, known := lookupMARuntime(f.Runtime)
		if !known {
			writeMyAccountError(w, http.StatusConflict, fmt.Sprintf(
				"function %q has runtime %s, which this API does not offer; change it through the faas-v1 API", f.Name, f.Runtime), nil)
			return
		}
		updated := f.clone()
		if err := applyMASettings(&updated, rt, set); err != nil {
			writeMyAccountError(w, http.StatusInternalServerError, "cannot store the code: "+err.Error(), nil)
			return
		}
		rec.fn = updated
		rec.unpackErr = ""
		s.startDeployLocked(rec, now)
		writeMyAccountOK(w, toMAFunction(&rec.fn, invokeURL(r, &rec.fn)))
	})
}

// myAccountInFlight says why a function cannot change now, or "".
func myAccountInFlight(f *Function) string {
	switch f.Status {
	case StatusDeploying:
		return fmt.Sprintf("function %q is deploying: %s; retry when it is running or failed", f.Name, myAccountReadOnly)
	case StatusDeleting:
		return fmt.Sprintf("function %q is being deleted", f.Name)
	}
	return ""
}

// myAccountDeleteFunction deletes a running or failed function. A function already
// being deleted is answered as the first delete was, so a client may repeat
// a delete whose answer it lost.
func (s *Server) myAccountDeleteFunction(w http.ResponseWriter, r *http.Request) {
	errs := fieldErrors{}
	o, ok := readMAObject(w, r, errs, myAccountDeleteFields)
	if !ok {
		return
	}
	if fn := o.str("function"); fn != nil && *fn != r.PathValue("name") {
		errs.Add("function", "must be the name in the path, %q", r.PathValue("name"))
	}
	if len(errs) > 0 {
		writeMyAccountError(w, http.StatusBadRequest, "invalid request", errs)
		return
	}
	s.withMAFunction(w, r, func(rec *record, now time.Time) {
		switch rec.fn.Status {
		case StatusDeploying:
			writeMyAccountError(w, http.StatusConflict, fmt.Sprintf(
				"function %q is deploying; it can be deleted once it is running or failed", rec.fn.Name), nil)
			return
		case StatusRunning, StatusFailed:
			rec.beginDelete(now)
			s.endRunsLocked(rec, false)
		}
		writeMyAccountOK(w, toMAFunction(&rec.fn, invokeURL(r, &rec.fn)))
	})
}

func (s *Server) myAccountListRuntimes(w http.ResponseWriter, _ *http.Request) {
	out := make([]myAccountRuntimeInfo, len(myAccountRuntimes))
	for i, rt := range myAccountRuntimes {
		out[i] = myAccountRuntimeInfo{Runtime: rt.name, NodeType: rt.nodeType, BoilerCode: rt.boilerCode,
			Label: rt.requirementsFile, RequirementsCode: rt.requirementsCode}
	}
	writeMyAccountOK(w, out)
}
