// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package faas

import (
	"errors"
	"net/url"
	"strings"
)

// Credentials never reach an error or a log line: the API key travels in the
// query string and so in every URL, which is why the transport's errors are
// cut to their root cause, and every message that may echo the request is
// scrubbed of the key, the token and the request's sensitive values.

// rootCause drops the *url.Error wrapper, whose text is the full URL with the
// API key in the query string.
func rootCause(err error) string {
	var uerr *url.Error
	for errors.As(err, &uerr) {
		err = uerr.Err
	}
	return err.Error()
}

// scrubText removes the credentials from a message as a last line of defence.
func (c *core) scrubText(s string) string {
	for _, secret := range c.secrets {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
			s = strings.ReplaceAll(s, url.QueryEscape(secret), "[redacted]")
		}
	}
	return s
}

// scrubValues removes a request's sensitive values (a secret's value) from
// a message, whatever the server echoed.
func scrubValues(s string, values []string) string {
	for _, v := range values {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

// scrub gives err's text scrubbed of the credentials, as a new error.
func (c *core) scrub(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(c.scrubText(err.Error()))
}
