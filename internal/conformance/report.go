// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package conformance

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Report is what a run learnt of the API.
type Report struct {
	// Endpoint is the API base the run talked to.
	Endpoint string
	// Finished is when the report was made.
	Finished  time.Time
	Exchanges int
	Findings  []Finding
	Catalogue []RuntimeRow
	// Notes are what the run's tests observed beyond the assumptions.
	Notes []string
}

// NewReport judges the exchanges the recorder holds, with its notes.
func NewReport(endpoint string, r *Recorder) Report {
	exs := r.Exchanges()
	rows, _ := LiveCatalogue(exs)
	return Report{
		Endpoint: endpoint, Finished: time.Now().UTC(), Exchanges: len(exs),
		Findings: Evaluate(exs), Catalogue: rows, Notes: r.Notes(),
	}
}

// Count is how many findings have the verdict.
func (r Report) Count(v Verdict) int {
	n := 0
	for _, f := range r.Findings {
		if f.Verdict == v {
			n++
		}
	}
	return n
}

// Markdown renders the report; every line passes through red, so nothing
// the recorder missed can carry a credential out.
func (r Report) Markdown(red *Redactor) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# MyAccount API conformance report\n\n")
	fmt.Fprintf(&b, "Endpoint %s, %d exchanges, finished %s. Each assumption is one the project takes where E2E publishes nothing "+
		"(DESIGN.md, internal/api/myaccount.yaml); credentials are redacted.\n\n",
		r.Endpoint, r.Exchanges, r.Finished.Format(time.RFC3339))
	fmt.Fprintf(&b, "%d held, %d did not hold, %d not observed.\n", r.Count(Held), r.Count(NotHeld), r.Count(NotObserved))
	for _, v := range []Verdict{NotHeld, Held, NotObserved} {
		if r.Count(v) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n\n", titles[v])
		for _, f := range r.Findings {
			if f.Verdict != v {
				continue
			}
			fmt.Fprintf(&b, "- %s `%s`: %s Seen: %s.\n", v, f.ID, f.Statement, strings.TrimSuffix(f.Detail, "."))
			if v == NotHeld && f.Evidence != nil {
				b.WriteString(exchangeBlock(*f.Evidence))
			}
		}
	}
	if len(r.Catalogue) > 0 {
		b.WriteString("\n## Live runtime catalogue\n\n| runtime | label | node type | built in |\n|---|---|---|---|\n")
		for _, row := range r.Catalogue {
			known := "no"
			if row.Known {
				known = "yes"
				if row.Label != row.BuiltInLabel || row.NodeType != row.BuiltInNodeType {
					known = fmt.Sprintf("yes, as %s on %s", row.BuiltInLabel, row.BuiltInNodeType)
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(row.Runtime), cell(row.Label), cell(row.NodeType), known)
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return red.Text(b.String())
}

var titles = map[Verdict]string{NotHeld: "Did not hold", Held: "Held", NotObserved: "Not observed"}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// exchangeBlock shows an exchange as an indented fenced block.
func exchangeBlock(e Exchange) string {
	var b strings.Builder
	target := e.Path
	if e.Query != "" {
		target += "?" + e.Query
	}
	fmt.Fprintf(&b, "%s %s\n", e.Method, target)
	if e.RequestBody != "" {
		fmt.Fprintf(&b, "%s\n", shorten(e.RequestBody))
	}
	if e.Status == 0 {
		fmt.Fprintf(&b, "-> no answer: %s\n", e.Err)
	} else {
		fmt.Fprintf(&b, "-> HTTP %d\n%s\n", e.Status, shorten(e.ResponseBody))
	}
	var out strings.Builder
	out.WriteString("\n  ````\n")
	for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		out.WriteString("  " + line + "\n")
	}
	out.WriteString("  ````\n\n")
	return out.String()
}

// WriteFile writes the report's Markdown to path.
func (r Report) WriteFile(path string, red *Redactor) error {
	return os.WriteFile(path, []byte(r.Markdown(red)), 0o644)
}

// reportBody is how much of a body the report shows.
const reportBody = 600

func shorten(body string) string {
	if len(body) <= reportBody {
		return body
	}
	return fmt.Sprintf("%s… (%d more bytes)", body[:reportBody], len(body)-reportBody)
}
