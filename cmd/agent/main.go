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

// Command agent is Flotilla's agent for a member cluster: it turns the DynamoComponentDeployments
// the hub places in the cluster into workloads, publishes the cluster's GPU inventory, renews
// the Lease the hub reads as its liveness and serves the conversion webhook of the DCD CRD. Run
// it with -help for its flags; the agent chart (charts/agent) sets them from its values.
//
// `agent wire-conversion` points the DCD CRD at the webhook of a namespace-restricted agent,
// which may not patch it itself; the chart runs it as a Helm hook. Run `agent wire-conversion
// -help` for its flags.
package main

import (
	"io"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"

	agentmanager "github.com/flotilla-dev/flotilla/agent/manager"
	"github.com/flotilla-dev/flotilla/agent/wireconversion"
	"github.com/flotilla-dev/flotilla/internal/cmdline"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == wireconversion.Name {
		os.Exit(wireconversion.Run(ctrl.SetupSignalHandler(), os.Args[2:], os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run parses args, starts the agent and returns the process's exit code once it stops: 2 for
// bad flags (explained on stderr), 1 when the agent cannot start or fails.
func run(args []string, stderr io.Writer) int {
	opts := agentmanager.NewOptions(os.Getenv)
	logger, code, ok := cmdline.Parse("agent", args, stderr, &opts, "the only subcommand is "+wireconversion.Name)
	if !ok {
		return code
	}
	agentmanager.SetLogger(logger)
	log := ctrl.Log.WithName("setup")

	cfg, err := ctrl.GetConfig()
	if err != nil {
		log.Error(err, "Cannot load the API server configuration (--kubeconfig, $KUBECONFIG or in-cluster)")
		return 1
	}
	mgr, err := agentmanager.New(cfg, opts, agentmanager.Settings{Logger: logger})
	if err != nil {
		log.Error(err, "Cannot set up the agent")
		return 1
	}
	log.Info("Starting the agent")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "The agent stopped with an error")
		return 1
	}
	return 0
}
