// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package conformance

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/api"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
)

// Verdict is what a run showed of one assumption.
type Verdict string

const (
	Held        Verdict = "held"
	NotHeld     Verdict = "did not hold"
	NotObserved Verdict = "not observed"
)

// The labels of the probes (ProbeHeader) the assumptions look for: a probe
// sends the one request that shows an assumption, which the provider's own
// traffic may never send.
const (
	ProbeNotFound             = "not-found"
	ProbeNameTaken            = "name-taken"
	ProbeUpdateWhileDeploying = "update-while-deploying"
)

// Assumption is one thing the project takes as true of E2E's MyAccount API
// without a public source saying so (DESIGN.md#api-dialects and
// internal/api/myaccount.yaml), and how to judge it from the exchanges.
type Assumption struct {
	ID        string
	Statement string
	judge     func([]Exchange) Finding
}

// Finding is the verdict on one assumption, with the exchange that showed it.
type Finding struct {
	ID, Statement string
	Verdict       Verdict
	Detail        string
	Evidence      *Exchange
}

// Evaluate judges every assumption on the exchanges of a run.
func Evaluate(exs []Exchange) []Finding {
	var out []Finding
	for _, a := range Assumptions() {
		f := a.judge(exs)
		f.ID, f.Statement = a.ID, a.Statement
		out = append(out, f)
	}
	return out
}

// The fields each answer is assumed to carry.
var (
	runtimeFields = []string{"runtime", "node_type", "boiler_code", "label", "requirements_code"}
	summaryFields = []string{"name", "runtime", "status", "url"}
	functionMust  = []string{"name", "status"}
	// functionMay are the fields the provider reads when an answer carries
	// them; which ones E2E sends is what the run learns.
	functionMay = []string{"runtime", "node_type", "url", "memory", "timeout", "code", "requirements", "environment_variables", "secrets"}
	statusWords = []string{"creating", "deploying", "running", "failed", "deleting"}
)

// Assumptions lists what a run checks, in the order of the report.
func Assumptions() []Assumption {
	return []Assumption{
		{
			ID:        "envelope",
			Statement: "Every answer, success or failure, is the envelope {code, data, errors, message}.",
			judge:     judgeEnvelope,
		},
		{
			ID:        "not-found-http-200-code-404",
			Statement: "A function that does not exist is answered HTTP 200 with body code 404 (GET faas/function/{name}/).",
			judge:     judgeNotFound,
		},
		{
			ID:        "name-taken-409",
			Statement: "A create of a name already taken is refused with 409 (POST faas/functions/).",
			judge:     judgeProbe409(ProbeNameTaken, "created a function under a name already taken"),
		},
		{
			ID:        "deploy-in-progress-409",
			Statement: "An update while the function is creating or deploying is refused with 409 (PUT faas/handler_file/{name}/).",
			judge:     judgeProbe409(ProbeUpdateWhileDeploying, "updated a function while its deploy ran"),
		},
		{
			ID:        "runtime-fields",
			Statement: "Each runtime of GET faas/runtimes/ carries " + strings.Join(runtimeFields, ", ") + ".",
			judge:     judgeItems("GET faas/runtimes/", "runtime", runtimeFields),
		},
		{
			ID:        "list-fields",
			Statement: "Each function of GET faas/functions/ carries " + strings.Join(summaryFields, ", ") + ".",
			judge:     judgeItems("GET faas/functions/", "name", summaryFields),
		},
		{
			ID: "function-fields",
			Statement: "A function's answer (GET faas/function/{name}/) carries name and status; " +
				"the provider also reads " + strings.Join(functionMay, ", ") + " when present.",
			judge: judgeFunctionFields,
		},
		{
			ID:        "status-words",
			Statement: "Statuses are " + strings.Join(statusWords, ", ") + ", in any case (the console shows Creating, Deploying, Running, Failed).",
			judge:     judgeStatuses,
		},
		{
			ID: "catalogue",
			Statement: "The runtime catalogue is the CLI's (internal/catalogue's MyAccount list): the same runtimes, " +
				"each labelled with its requirements file's name and on its one node type.",
			judge: judgeCatalogue,
		},
		{
			ID:        "document",
			Statement: "Every exchange is valid against internal/api/myaccount.yaml.",
			judge:     judgeDocument,
		},
	}
}

// answered are the exchanges of the MyAccount API that got an answer.
func answered(exs []Exchange) []Exchange {
	var out []Exchange
	for _, e := range exs {
		if e.Status != 0 && api.IsMyAccountPath(e.Path) {
			out = append(out, e)
		}
	}
	return out
}

// envelope is the answer's body as an object, if it is one.
func envelope(e Exchange) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(e.ResponseBody), &m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

// bodyCode is the envelope's code, or -1.
func bodyCode(e Exchange) int {
	m, ok := envelope(e)
	if !ok {
		return -1
	}
	var c int
	if json.Unmarshal(m["code"], &c) != nil {
		return -1
	}
	return c
}

// answerForm says how an answer came: "HTTP 200 with body code 404".
func answerForm(e Exchange) string {
	if c := bodyCode(e); c >= 0 {
		return fmt.Sprintf("HTTP %d with body code %d", e.Status, c)
	}
	return fmt.Sprintf("HTTP %d without a body code", e.Status)
}

func ptr(e Exchange) *Exchange { return &e }

func judgeEnvelope(exs []Exchange) Finding {
	all := answered(exs)
	if len(all) == 0 {
		return Finding{Verdict: NotObserved, Detail: "no answer was recorded"}
	}
	for _, e := range all {
		m, ok := envelope(e)
		var missing []string
		for _, k := range []string{"code", "data", "errors", "message"} {
			if _, has := m[k]; !has {
				missing = append(missing, k)
			}
		}
		if !ok || len(missing) > 0 {
			d := fmt.Sprintf("%s answered %d without %s", e.Route(), e.Status, strings.Join(missing, ", "))
			if !ok {
				d = fmt.Sprintf("%s answered %d with a body that is not a JSON object", e.Route(), e.Status)
			}
			return Finding{Verdict: NotHeld, Detail: d, Evidence: ptr(e)}
		}
	}
	return Finding{Verdict: Held, Detail: fmt.Sprintf("all %d answers", len(all))}
}

func judgeNotFound(exs []Exchange) Finding {
	seen := 0
	for _, e := range answered(exs) {
		if e.Route() != "GET faas/function/{name}/" {
			continue
		}
		notFound := e.Status == 404 || bodyCode(e) == 404
		if !notFound && e.Label != ProbeNotFound {
			continue
		}
		seen++
		if e.Status != 200 || bodyCode(e) != 404 {
			return Finding{Verdict: NotHeld, Detail: "a function that does not exist was answered " + answerForm(e), Evidence: ptr(e)}
		}
	}
	if seen == 0 {
		return Finding{Verdict: NotObserved, Detail: "no read of a missing function was recorded"}
	}
	return Finding{Verdict: Held, Detail: fmt.Sprintf("%d reads of a missing function", seen)}
}

func judgeProbe409(label, what string) func([]Exchange) Finding {
	return func(exs []Exchange) Finding {
		for _, e := range exs {
			if e.Label != label {
				continue
			}
			if e.Status == 0 {
				return Finding{Verdict: NotObserved, Detail: "the probe got no answer: " + e.Err, Evidence: ptr(e)}
			}
			if e.Status == 409 || bodyCode(e) == 409 {
				return Finding{Verdict: Held, Detail: "answered " + answerForm(e), Evidence: ptr(e)}
			}
			if e.Status < 400 && bodyCode(e) < 400 {
				return Finding{Verdict: NotHeld, Detail: "the API " + what + ": answered " + answerForm(e), Evidence: ptr(e)}
			}
			return Finding{Verdict: NotHeld, Detail: "refused with " + answerForm(e) + ", not 409", Evidence: ptr(e)}
		}
		return Finding{Verdict: NotObserved, Detail: "the probe did not run"}
	}
}

// successes are the answers of a route with body code 200, decoded.
func successes(exs []Exchange, route string) []Exchange {
	var out []Exchange
	for _, e := range answered(exs) {
		if e.Route() == route && e.Status == 200 && bodyCode(e) == 200 {
			out = append(out, e)
		}
	}
	return out
}

// items are the objects of an answer's data list.
func items(e Exchange) []map[string]json.RawMessage {
	m, _ := envelope(e)
	var list []map[string]json.RawMessage
	_ = json.Unmarshal(m["data"], &list)
	return list
}

func lacking(obj map[string]json.RawMessage, fields []string) []string {
	var out []string
	for _, f := range fields {
		if _, ok := obj[f]; !ok {
			out = append(out, f)
		}
	}
	return out
}

func stringField(obj map[string]json.RawMessage, key string) string {
	var s string
	_ = json.Unmarshal(obj[key], &s)
	return s
}

func judgeItems(route, key string, fields []string) func([]Exchange) Finding {
	return func(exs []Exchange) Finding {
		answers := successes(exs, route)
		n := 0
		for _, e := range answers {
			for i, it := range items(e) {
				n++
				if miss := lacking(it, fields); len(miss) > 0 {
					who := stringField(it, key)
					if who == "" {
						who = fmt.Sprintf("item %d", i)
					}
					return Finding{Verdict: NotHeld, Detail: fmt.Sprintf("%s lacks %s", who, strings.Join(miss, ", ")), Evidence: ptr(e)}
				}
			}
		}
		if n == 0 {
			return Finding{Verdict: NotObserved, Detail: "no successful answer with items was recorded"}
		}
		return Finding{Verdict: Held, Detail: fmt.Sprintf("%d items in %d answers", n, len(answers))}
	}
}

func judgeFunctionFields(exs []Exchange) Finding {
	carried := map[string]int{}
	n := 0
	for _, e := range successes(exs, "GET faas/function/{name}/") {
		m, _ := envelope(e)
		var fn map[string]json.RawMessage
		if json.Unmarshal(m["data"], &fn) != nil || fn == nil {
			return Finding{Verdict: NotHeld, Detail: "a successful read's data is not an object", Evidence: ptr(e)}
		}
		if miss := lacking(fn, functionMust); len(miss) > 0 {
			return Finding{Verdict: NotHeld, Detail: "a function's answer lacks " + strings.Join(miss, ", "), Evidence: ptr(e)}
		}
		n++
		for k := range fn {
			carried[k]++
		}
	}
	if n == 0 {
		return Finding{Verdict: NotObserved, Detail: "no successful read of a function was recorded"}
	}
	var always, sometimes, never []string
	for _, f := range functionMay {
		switch carried[f] {
		case n:
			always = append(always, f)
		case 0:
			never = append(never, f)
		default:
			sometimes = append(sometimes, f)
		}
	}
	var extra []string
	for k := range carried {
		if !slices.Contains(functionMust, k) && !slices.Contains(functionMay, k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	d := fmt.Sprintf("%d reads; always carried: %s; sometimes: %s; never: %s; other fields: %s",
		n, list(always), list(sometimes), list(never), list(extra))
	return Finding{Verdict: Held, Detail: d}
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func judgeStatuses(exs []Exchange) Finding {
	seen := map[string]int{}
	for _, e := range answered(exs) {
		m, ok := envelope(e)
		if !ok || e.Status != 200 {
			continue
		}
		var objs []map[string]json.RawMessage
		var one map[string]json.RawMessage
		if json.Unmarshal(m["data"], &one) == nil && one != nil {
			objs = append(objs, one)
		} else {
			objs = items(e)
		}
		for _, o := range objs {
			raw, ok := o["status"]
			if !ok {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) != nil || !slices.Contains(statusWords, strings.ToLower(s)) {
				return Finding{Verdict: NotHeld, Detail: fmt.Sprintf("%s answered the status %s", e.Route(), raw), Evidence: ptr(e)}
			}
			seen[s]++
		}
	}
	if len(seen) == 0 {
		return Finding{Verdict: NotObserved, Detail: "no status was recorded"}
	}
	var words []string
	for w, c := range seen {
		words = append(words, fmt.Sprintf("%s (%d)", w, c))
	}
	sort.Strings(words)
	return Finding{Verdict: Held, Detail: "seen: " + strings.Join(words, ", ")}
}

// RuntimeRow is one runtime of the live catalogue, beside the built-in one.
type RuntimeRow struct {
	Runtime, Label, NodeType string
	// Known says the built-in catalogue has the runtime; BuiltInLabel and
	// BuiltInNodeType are its values there.
	Known                         bool
	BuiltInLabel, BuiltInNodeType string
}

// LiveCatalogue is the first successful catalogue answer of the run, as
// rows, with the exchange it came from.
func LiveCatalogue(exs []Exchange) ([]RuntimeRow, *Exchange) {
	answers := successes(exs, "GET faas/runtimes/")
	if len(answers) == 0 {
		return nil, nil
	}
	var rows []RuntimeRow
	for _, it := range items(answers[0]) {
		row := RuntimeRow{Runtime: stringField(it, "runtime"), Label: stringField(it, "label"), NodeType: stringField(it, "node_type")}
		if rt, ok := catalogue.MyAccount.Lookup(row.Runtime); ok {
			row.Known, row.BuiltInLabel, row.BuiltInNodeType = true, rt.RequirementsFile, rt.NodeType()
		}
		rows = append(rows, row)
	}
	return rows, ptr(answers[0])
}

func judgeCatalogue(exs []Exchange) Finding {
	rows, e := LiveCatalogue(exs)
	if e == nil {
		return Finding{Verdict: NotObserved, Detail: "the catalogue was not read"}
	}
	var diffs []string
	live := map[string]bool{}
	for _, r := range rows {
		live[r.Runtime] = true
		switch {
		case !r.Known:
			diffs = append(diffs, fmt.Sprintf("%s is not in the built-in catalogue (label %q, node type %q)", r.Runtime, r.Label, r.NodeType))
		case r.Label != r.BuiltInLabel || r.NodeType != r.BuiltInNodeType:
			diffs = append(diffs, fmt.Sprintf("%s has label %q and node type %q, the built-in catalogue %q and %q",
				r.Runtime, r.Label, r.NodeType, r.BuiltInLabel, r.BuiltInNodeType))
		}
	}
	for _, name := range catalogue.MyAccount.Names() {
		if !live[name] {
			diffs = append(diffs, name+" is not offered")
		}
	}
	if len(diffs) > 0 {
		d := strings.Join(diffs[:min(len(diffs), 4)], "; ")
		if len(diffs) > 4 {
			d += fmt.Sprintf("; and %d more", len(diffs)-4)
		}
		return Finding{Verdict: NotHeld, Detail: d, Evidence: e}
	}
	return Finding{Verdict: Held, Detail: fmt.Sprintf("%d runtimes, as built in", len(rows))}
}

func judgeDocument(exs []Exchange) Finding {
	var first *Exchange
	distinct := map[string]bool{}
	var msgs []string
	checked := 0
	for _, e := range answered(exs) {
		checked++
		for _, v := range e.Violations {
			if first == nil {
				first = ptr(e)
			}
			if !distinct[v] && len(msgs) < 3 {
				msgs = append(msgs, summarize(v))
			}
			distinct[v] = true
		}
	}
	if checked == 0 {
		return Finding{Verdict: NotObserved, Detail: "no exchange was recorded"}
	}
	if first != nil {
		return Finding{Verdict: NotHeld, Detail: fmt.Sprintf("%d distinct differences, the first: %s", len(distinct), strings.Join(msgs, " | ")), Evidence: first}
	}
	return Finding{Verdict: Held, Detail: fmt.Sprintf("all %d exchanges", checked)}
}

// summarize keeps of a checker's message its first line and the line of
// each error, without the schema and value dumps, at most 400 characters.
func summarize(v string) string {
	var keep []string
	for i, line := range strings.Split(v, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "| "))
		if i == 0 || strings.HasPrefix(line, "Error at ") {
			keep = append(keep, line)
		}
	}
	s := strings.Join(keep, "; ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}
