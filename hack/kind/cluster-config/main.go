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

// Command cluster-config writes a kind cluster configuration for Flotilla's kind clusters
// (see package hack/kind/kindconfig):
//
//	go run ./hack/kind/cluster-config -name gpu-east -image "$(bash hack/kind/build-node-image.sh --print-tag)" -o gpu-east.yaml
//	go tool -modfile=hack/tools/go.mod kind create cluster --config gpu-east.yaml --kubeconfig state/gpu-east.kubeconfig
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/flotilla-dev/flotilla/hack/kind/kindconfig"
)

// offlineImageRepo is the repository of the node images hack/kind/build-node-image.sh builds.
const offlineImageRepo = "flotilla/kind-node"

func main() {
	var o kindconfig.Options
	var labels, out string
	var port int
	flag.StringVar(&o.Name, "name", "", "cluster name")
	flag.StringVar(&o.Image, "image", "", "node image (empty: leave it to kind's --image or default)")
	flag.BoolVar(&o.OfflineImage, "offline-image", false,
		"the image is Flotilla's offline node image (static CNI: disableDefaultCNI); by default, whether -image is one of "+
			offlineImageRepo+"'s")
	flag.StringVar(&o.APIServerAddress, "api-server-address", "", "host address to publish the API server on (default 127.0.0.1)")
	flag.IntVar(&port, "api-server-port", 0, "host port to publish the API server on (default: a free one)")
	flag.StringVar(&labels, "labels", "", "node labels, k=v,k=v")
	flag.StringVar(&out, "o", "-", "output file (- for stdout)")
	flag.Parse()
	offlineSet := false
	flag.Visit(func(f *flag.Flag) { offlineSet = offlineSet || f.Name == "offline-image" })
	if !offlineSet {
		o.OfflineImage = strings.HasPrefix(o.Image, offlineImageRepo+":")
	}
	o.APIServerPort = int32(port) //nolint:gosec // range-checked by Render
	if labels != "" {
		o.Labels = map[string]string{}
		for _, kv := range strings.Split(labels, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				fmt.Fprintf(os.Stderr, "cluster-config: bad label %q\n", kv)
				os.Exit(2)
			}
			o.Labels[k] = v
		}
	}
	b, err := kindconfig.Render(o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cluster-config: %v\n", err)
		os.Exit(1)
	}
	if out == "-" {
		_, err = os.Stdout.Write(b)
	} else {
		err = os.WriteFile(out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cluster-config: %v\n", err)
		os.Exit(1)
	}
}
