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
// Command flotilla-hub is Flotilla's hub: it places the DynamoGraphDeployments applied on the
// hub cluster on its member clusters and reports their status back. Run it with -help for its
// flags; the hub chart (charts/hub) sets them from its values.
//
// `flotilla-hub register` registers a member cluster: it turns the member's flotilla-hub
// ServiceAccount token (made by the agent chart) into the kubeconfig Secret the hub reads. Run
// `flotilla-hub register -help` for its flags.
package main

import (
	"io"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"

	hubmanager "github.com/flotilla-dev/flotilla/hub/manager"
	"github.com/flotilla-dev/flotilla/hub/register"
	"github.com/flotilla-dev/flotilla/internal/cmdline"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "register" {
		os.Exit(register.Run(os.Args[2:], os.Stdout, os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run parses args, starts the hub and returns the process's exit code once it stops: 2 for bad
// flags (explained on stderr), 1 when the hub cannot start or fails.
func run(args []string, stderr io.Writer) int {
	opts := hubmanager.NewOptions(os.Getenv)
	logger, code, ok := cmdline.Parse("flotilla-hub", args, stderr, &opts, "the only subcommand is register")
	if !ok {
		return code
	}
	hubmanager.SetLogger(logger)
	log := ctrl.Log.WithName("setup")

	cfg, err := ctrl.GetConfig()
	if err != nil {
		log.Error(err, "Cannot load the hub API server configuration (--kubeconfig, $KUBECONFIG or in-cluster)")
		return 1
	}
	hub, err := hubmanager.New(cfg, opts, hubmanager.Settings{Logger: logger})
	if err != nil {
		log.Error(err, "Cannot set up the hub")
		return 1
	}
	log.Info("Starting the hub", "memberSources", opts.MemberSources)
	if err := hub.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "The hub stopped with an error")
		return 1
	}
	return 0
}
