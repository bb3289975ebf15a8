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

package topology

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Up brings the topology up in o.State and returns it connected. It reuses the clusters that
// exist (a second Up completes a first one that failed half-way), so it is safe to run again;
// the charts are upgraded in place.
func Up(ctx context.Context, o Options) (*Topology, error) {
	o = o.withDefaults()
	if o.NodeImage == "" {
		return nil, errors.New("Options.NodeImage: the kind node image is required (hack/kind/build-node-image.sh --print-tag)")
	}
	start := time.Now()
	log := func(format string, args ...any) { Logf(o.Log, format, args...) }
	hubImage, agentImage := "flotilla/hub:"+o.Tag, "flotilla/agent:"+o.Tag
	kwokImage, lwsImage := "flotilla/kwok:"+o.KwokTag, "flotilla/lws:"+o.LWSTag
	if err := checkImages(ctx, o.NodeImage, hubImage, agentImage, kwokImage, lwsImage); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(o.State, "logs"), 0o755); err != nil {
		return nil, err
	}

	step := time.Now()
	if err := createClusters(o); err != nil {
		return nil, err
	}
	log("clusters created in %s", since(step))
	t, err := Connect(o.State)
	if err != nil {
		return nil, err
	}
	for _, c := range t.Clusters() {
		if err := waitClusterReady(ctx, c); err != nil {
			return nil, err
		}
	}
	log("nodes Ready and CoreDNS available after %s", since(step))

	step = time.Now()
	k := newKind(io.Discard)
	if err := k.loadImages(ctx, HubCluster, hubImage); err != nil {
		return nil, err
	}
	for _, name := range []string{EastCluster, WestCluster} {
		if err := k.loadImages(ctx, name, agentImage, kwokImage); err != nil {
			return nil, err
		}
	}
	if err := k.loadImages(ctx, EastCluster, lwsImage); err != nil {
		return nil, err
	}
	log("images loaded in %s", since(step))

	step = time.Now()
	if err := installHub(ctx, t.Hub, o.Tag); err != nil {
		return nil, t.withLogs(ctx, err)
	}
	log("hub installed and Available in %s", since(step))

	step = time.Now()
	if err := installLeaderWorkerSet(ctx, t.East, o.LWSTag); err != nil {
		return nil, err
	}
	log("LeaderWorkerSet %s Available on %s in %s", o.LWSTag, EastCluster, since(step))
	if err := installMembers(ctx, t, o); err != nil {
		return nil, t.withLogs(ctx, err)
	}
	log("agents, KWOK and fake GPU nodes ready, conversion webhooks wired, in %s", since(step))

	step = time.Now()
	if err := registerMembers(ctx, t); err != nil {
		return nil, err
	}
	if err := t.WaitMembersReady(ctx); err != nil {
		return nil, t.withLogs(ctx, err)
	}
	log("members Joined, AgentReady and Schedulable %s after registration", since(step))
	log("topology up in %s; kubeconfigs in %s", since(start), o.State)
	return t, nil
}

// createClusters creates the three clusters, one after the other or at once (o.Parallel); a
// cluster whose creation at once failed is deleted and created again alone. kind's output goes
// to <state>/logs/create-<cluster>.log.
func createClusters(o Options) error {
	log := func(format string, args ...any) { Logf(o.Log, format, args...) }
	names := []string{HubCluster, EastCluster, WestCluster}
	create := func(name string) error {
		f, err := os.Create(filepath.Join(o.State, "logs", "create-"+name+".log"))
		if err != nil {
			return err
		}
		defer f.Close()
		created, err := newKind(f).createCluster(name, o.NodeImage, kubeconfigPath(o.State, name))
		if err != nil {
			return fmt.Errorf("%w (log: %s)", err, f.Name())
		}
		if !created {
			log("cluster %s exists: reusing it", name)
		}
		return nil
	}
	if !o.Parallel {
		for _, name := range names {
			log("creating %s from %s", name, o.NodeImage)
			if err := create(name); err != nil {
				return err
			}
		}
		return nil
	}
	log("creating %v at once from %s", names, o.NodeImage)
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() { errs[i] = create(name) })
	}
	wg.Wait()
	for i, name := range names {
		if errs[i] == nil {
			continue
		}
		log("creating %s at once failed (%v); creating it again alone", name, errs[i])
		_ = newKind(io.Discard).Delete(name, kubeconfigPath(o.State, name))
		if err := create(name); err != nil {
			return err
		}
	}
	return nil
}

// Logf prints one progress line of the topology's, timestamped, to w.
func Logf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "kind-up: %s %s\n", time.Now().Format(time.TimeOnly), fmt.Sprintf(format, args...))
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Second) }
