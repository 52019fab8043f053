// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package localfaas

import (
	"fmt"
	"net/http"
	"time"
)

// maxLogLines bounds each function's log; the oldest lines go first.
const maxLogLines = 1000

// record is a stored function with the state of its lifecycle. Status moves
// lazily: every access first calls advanceLocked, which settles deploys and
// deletes whose delay has passed, stamping them with the time they ended.
type record struct {
	fn Function
	// unpackErr is why the stored archive cannot be unpacked ("" if it can).
	unpackErr string
	// deploys counts deploys, for the version string.
	deploys int
	// deployStart and deployErr describe the deploy in flight (status
	// Deploying): when it started and how it will end ("" for Running).
	deployStart time.Time
	deployErr   string
	// deleteStart is when the delete in flight (status Deleting) started.
	deleteStart time.Time
	logs        []logLine
	// With a runner: next is the version being started for the deploy in
	// flight, live the one answering invocations.
	next, live  *deployment
	invocations invocations
	// console shows the log's lines as they are added; nil for none.
	console *console
}

type logLine struct {
	at      time.Time
	stream  string
	message string
}

func (rec *record) log(at time.Time, stream, format string, args ...any) {
	if len(rec.logs) >= maxLogLines {
		rec.logs = append(rec.logs[:0], rec.logs[len(rec.logs)-maxLogLines+1:]...)
	}
	line := logLine{at: at, stream: stream, message: fmt.Sprintf(format, args...)}
	rec.logs = append(rec.logs, line)
	rec.console.function(rec.fn.Name, line.stream, line.message)
}

// advanceLocked settles every deploy and delete that has had its time. With
// a runner, a deploy also waits for its version to be started.
func (s *Server) advanceLocked(now time.Time) {
	for id, rec := range s.functions {
		switch rec.fn.Status {
		case StatusDeploying:
			end := rec.deployStart.Add(s.opts.DeployDelay)
			if now.Before(end) || rec.next != nil && !rec.next.done {
				continue
			}
			if rec.next != nil && rec.next.doneAt.After(end) {
				end = rec.next.doneAt
			}
			s.finishRunLocked(rec)
			rec.finishDeploy(end)
		case StatusDeleting:
			if !now.Before(rec.deleteStart.Add(s.opts.DeleteDelay)) {
				delete(s.functions, id)
			}
		}
	}
}

// startDeployLocked begins a deploy of the function's current settings,
// superseding one in flight.
func (s *Server) startDeployLocked(rec *record, now time.Time) {
	previous := rec.fn.Version
	superseding := rec.fn.Status == StatusDeploying
	rec.deploys++
	rec.fn.Version = fmt.Sprintf("v%d", rec.deploys)
	if superseding {
		rec.log(now, "stdout", "deploy %s superseded by %s", previous, rec.fn.Version)
	}
	rec.fn.Status = StatusDeploying
	rec.fn.ErrorMessage = ""
	rec.fn.UpdatedAt = now
	// The fault layer's deploy hook decides how the deploy ends, from why
	// its code fails of itself: FailNextDeploy and the configured deploy
	// faults act there, and nowhere else.
	end := s.faults.Deploy(rec.fn.ID, rec.unpackErr)
	rec.deployStart = now.Add(end.Stall)
	rec.deployErr = end.Failure
	c := rec.fn.Config
	rec.log(now, "stdout", "deploy %s started: runtime %s, template %s, %d MB, %s, %d replica(s)",
		rec.fn.Version, rec.fn.Runtime, rec.fn.Template, c.MemoryMB, c.HardwareType, c.Replicas)
	s.startRunLocked(rec)
}

func (rec *record) finishDeploy(at time.Time) {
	if rec.deployErr == "" {
		rec.fn.Status = StatusRunning
		rec.log(at, "stdout", "deploy %s finished: function is Running", rec.fn.Version)
		return
	}
	rec.fn.Status = StatusFailed
	rec.fn.ErrorMessage = rec.deployErr
	rec.log(at, "stderr", "deploy %s failed: %s", rec.fn.Version, rec.deployErr)
}

// requestDelete answers a DELETE: the platform deletes only settled
// functions, and a second DELETE while deleting changes nothing.
func (rec *record) requestDelete(now time.Time) *apiError {
	switch rec.fn.Status {
	case StatusDeleting:
		return nil
	case StatusDeploying:
		return newError(http.StatusConflict, "function %q (%s) is Deploying; it can be deleted only when Running or Failed; retry when the deploy finishes",
			rec.fn.Name, rec.fn.ID)
	}
	rec.beginDelete(now)
	return nil
}

func (rec *record) beginDelete(now time.Time) {
	rec.fn.Status = StatusDeleting
	rec.fn.ErrorMessage = "" // the contract sets it only on Failed
	rec.deleteStart = now
	rec.log(now, "stdout", "delete requested")
}
