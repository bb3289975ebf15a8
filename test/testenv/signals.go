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
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// stopper is anything that owns processes: a *Cluster or an envtest environment.
type stopper interface{ Stop() error }

var (
	liveMu      sync.Mutex
	live        = map[stopper]struct{}{}
	handlerOnce sync.Once
)

// track registers s to be stopped if the test binary receives SIGINT or SIGTERM, installing
// the signal handler on first use.
func track(s stopper) {
	handlerOnce.Do(installSignalHandler)
	liveMu.Lock()
	defer liveMu.Unlock()
	live[s] = struct{}{}
}

// untrack forgets s (it has been stopped).
func untrack(s stopper) {
	liveMu.Lock()
	defer liveMu.Unlock()
	delete(live, s)
}

// stopAllLive stops every tracked environment in parallel.
func stopAllLive() {
	liveMu.Lock()
	all := make([]stopper, 0, len(live))
	for s := range live {
		all = append(all, s)
	}
	liveMu.Unlock()
	var wg sync.WaitGroup
	for _, s := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Stop()
			untrack(s)
		}()
	}
	wg.Wait()
}

// installSignalHandler stops all live clusters on SIGINT/SIGTERM and then re-raises the
// signal. Other handlers (Ginkgo's) see the signal too; with ours gone, the re-raised signal
// either reaches them (Ginkgo treats it as a second interrupt: report, no more cleanup, which
// is fine since the clusters are already down) or, if nobody else listens, terminates the
// test binary as it would have without us.
func installSignalHandler() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-ch
		stopAllLive()
		signal.Stop(ch)
		if s, ok := sig.(syscall.Signal); ok {
			_ = syscall.Kill(os.Getpid(), s)
		}
	}()
}
