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

// Command topology brings Flotilla's multi-cluster kind topology up or down (package
// test/kind-multi/topology): `make kind-up` and `make kind-down` run it.
//
//	go run ./hack/kind/topology up     # hub + gpu-east + gpu-west, registered, then a check graph
//	go run ./hack/kind/topology down   # delete the clusters and the state directory
//
// The state directory is $FLOTILLA_KIND_STATE (default ~/.cache/flotilla/kind-state). The images
// are flotilla/hub:$TAG and flotilla/agent:$TAG (TAG default dev), flotilla/kwok:$KWOK_TAG and
// flotilla/lws:$LWS_TAG (default KWOK_VERSION and LWS_VERSION of hack/versions), as
// hack/kind/build-images.sh tags them; the node image is the one
// `hack/kind/build-node-image.sh --print-tag` names.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/flotilla-dev/flotilla/test/kind-multi/topology"
)

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "up" && os.Args[1] != "down") {
		fmt.Fprintln(os.Stderr, "usage: topology up [flags] | topology down [flags]  (-h for the flags)")
		os.Exit(2)
	}
	// The API servers' warnings (a deprecated version applied) are printed.
	ctrllog.SetLogger(zap.New(zap.WriteTo(os.Stderr)))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	fs := flag.NewFlagSet("topology "+os.Args[1], flag.ExitOnError)
	state := fs.String("state", topology.DefaultState(), "state directory (kubeconfigs, kind configurations, logs)")
	var err error
	switch os.Args[1] {
	case "up":
		o := topology.Options{}
		fs.StringVar(&o.NodeImage, "node-image", "", "kind node image (default: what hack/kind/build-node-image.sh --print-tag names)")
		fs.StringVar(&o.Tag, "tag", os.Getenv("TAG"), "tag of flotilla/hub and flotilla/agent (default dev)")
		fs.StringVar(&o.KwokTag, "kwok-tag", os.Getenv("KWOK_TAG"), "tag of flotilla/kwok (default KWOK_VERSION)")
		fs.StringVar(&o.LWSTag, "lws-tag", os.Getenv("LWS_TAG"), "tag of flotilla/lws (default LWS_VERSION)")
		fs.BoolVar(&o.Parallel, "parallel", os.Getenv("PARALLEL") == "1",
			"create the three clusters at once (slower on 2 cores: 99-154 s against 81 s)")
		skipCheck := fs.Bool("skip-check", os.Getenv("SKIP_CHECK") == "1", "do not apply the check graph")
		_ = fs.Parse(os.Args[2:])
		o.State = *state
		err = up(ctx, o, *skipCheck)
	case "down":
		_ = fs.Parse(os.Args[2:])
		err = topology.Down(*state, os.Stderr)
	}
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "kind-%s: error: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func up(ctx context.Context, o topology.Options, skipCheck bool) error {
	start := time.Now()
	if o.NodeImage == "" {
		image, err := topology.NodeImage(ctx)
		if err != nil {
			return err
		}
		o.NodeImage = image
	}
	t, err := topology.Up(ctx, o)
	if err != nil {
		return err
	}
	if !skipCheck {
		if err := t.Check(ctx, os.Stderr); err != nil {
			return err
		}
	}
	topology.Logf(os.Stderr, "done in %s; kubeconfigs:", time.Since(start).Round(time.Second))
	for _, c := range t.Clusters() {
		fmt.Fprintf(os.Stderr, "  %s\n", c.Kubeconfig)
	}
	stats := exec.CommandContext(ctx, "docker", "stats", "--no-stream", "--format", "table {{.Name}}\t{{.MemUsage}}\t{{.CPUPerc}}")
	for _, c := range t.Clusters() {
		stats.Args = append(stats.Args, c.Node())
	}
	stats.Stdout, stats.Stderr = os.Stderr, os.Stderr
	return stats.Run()
}
