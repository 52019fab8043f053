// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faults

import (
	"cmp"
	"fmt"
	"time"
)

// defaultFailNext is the error of a deploy FailNextDeploy fails without a
// message.
const defaultFailNext = "deploy failed (injected with fail-next-deploy)"

// DeployEnd is how the deploy hook has a deploy end.
type DeployEnd struct {
	// Stall is how much later than now the deploy starts, so how much
	// longer it stays Deploying.
	Stall time.Duration
	// Failure is why the deploy ends Failed; "" when it ends Running.
	Failure string
}

// FailNextDeploy arms a one-shot rule of the deploy hook: the next deploy
// that starts ends Failed with message ("" gives a default). It is not part
// of the configuration: Set and Clear leave it armed, and it is not entered
// in the log of injected faults.
func (l *Layer) FailNextDeploy(message string) {
	message = cmp.Or(message, defaultFailNext)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failNext = &message
}

// Deploy is the deploy hook, the one place where how a deploy ends is
// decided when it starts: the server calls it for each deploy that starts,
// with failure, why the deploy fails of itself ("" when nothing is wrong
// with what it deploys), and applies the end it returns.
//
// A failure armed by FailNextDeploy takes the place of the deploy's own.
// Then, when the configuration injects into deploys, the n-th deploy since
// Set stalls by DeployStall and draws from the seed whether it fails; a
// drawn failure does not replace one the deploy already has, but is logged
// all the same, so that the n-th deploy is logged alike in every run.
func (l *Layer) Deploy(functionID, failure string) DeployEnd {
	l.mu.Lock()
	defer l.mu.Unlock()
	end := DeployEnd{Failure: failure}
	if l.failNext != nil {
		end.Failure = *l.failNext
		l.failNext = nil
	}
	if !l.on || !l.cfg.deploys() {
		return end
	}
	l.deploys++
	now := l.opts.Now()
	if stall := l.cfg.DeployStall; stall > 0 {
		end.Stall = stall
		l.recordLocked(Injected{Request: l.deploys, Kind: DeployStall, Latency: stall, FunctionID: functionID, Time: now})
	}
	if l.draw("deploy", l.deploys).Float64() < l.cfg.DeployFailRate {
		if end.Failure == "" {
			end.Failure = fmt.Sprintf("deploy failed (fault injected by e2e-faas-local, seed %d, deploy %d)", l.cfg.Seed, l.deploys)
		}
		l.recordLocked(Injected{Request: l.deploys, Kind: DeployFail, FunctionID: functionID, Time: now})
	}
	return end
}
