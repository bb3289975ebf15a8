/*
Copyright 2026 The Flotilla Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package testenv

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// auditPolicy makes an API server log every request of a ServiceAccount at Metadata level (who,
// verb, object reference and response code; no bodies), and nothing else: what the components
// running as their charts' ServiceAccounts actually do. A watch is logged when its response
// starts (ResponseStarted): it completes only when it ends, maybe after the log is read.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  userGroups: ["system:serviceaccounts"]
- level: None
`

// auditArgs writes the audit policy into dir and returns the kube-apiserver flags, without
// their leading "--", that log to logPath with it.
func auditArgs(dir, logPath string) (map[string]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		return nil, err
	}
	return map[string]string{
		"audit-policy-file":   policy,
		"audit-log-path":      logPath,
		"audit-log-format":    "json",
		"audit-log-mode":      "blocking",
		"audit-log-maxbackup": "0",
	}, nil
}

// AuditEvent is one request an audited API server logged (Options.AuditLog,
// StartAuditedEnvtest): who made it, the RBAC verb and object it was about, and the response.
type AuditEvent struct {
	// User is the requester's user name (system:serviceaccount:<namespace>:<name>).
	User string
	// Verb is the request's RBAC verb (get, list, watch, create, update, patch, delete, ...).
	Verb string
	// Group, Resource and Subresource name what the request was about.
	Group, Resource, Subresource string
	// Namespace and Name, when the request named them.
	Namespace, Name string
	// Code is the HTTP status code of the response.
	Code int
}

// ReadAuditLog reads the events of an audit log written with auditArgs.
func ReadAuditLog(path string) ([]AuditEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var out []AuditEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var e struct {
			User struct {
				Username string `json:"username"`
			} `json:"user"`
			Verb      string `json:"verb"`
			ObjectRef *struct {
				APIGroup    string `json:"apiGroup"`
				Resource    string `json:"resource"`
				Subresource string `json:"subresource"`
				Namespace   string `json:"namespace"`
				Name        string `json:"name"`
			} `json:"objectRef"`
			ResponseStatus *struct {
				Code int `json:"code"`
			} `json:"responseStatus"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		ev := AuditEvent{User: e.User.Username, Verb: e.Verb}
		if r := e.ObjectRef; r != nil {
			ev.Group, ev.Resource, ev.Subresource, ev.Namespace, ev.Name = r.APIGroup, r.Resource, r.Subresource, r.Namespace, r.Name
		}
		if e.ResponseStatus != nil {
			ev.Code = e.ResponseStatus.Code
		}
		out = append(out, ev)
	}
	return out, sc.Err()
}
