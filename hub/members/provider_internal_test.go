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

package members

import (
	"context"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
)

// waitTimeout bounds the waits for something that must happen.
const waitTimeout = 5 * time.Second

func TestLockMember(t *testing.T) {
	p := NewProvider(Options{})
	_, unlockA := p.lockMember("a")

	secondA := make(chan func())
	go func() {
		_, unlock := p.lockMember("a")
		secondA <- unlock
	}()
	select {
	case <-secondA:
		t.Fatal("a second engagement of member a locked it while the first held it")
	case <-time.After(100 * time.Millisecond):
	}

	b := make(chan func())
	go func() {
		_, unlock := p.lockMember("b")
		b <- unlock
	}()
	var unlockB func()
	select {
	case unlockB = <-b:
	case <-time.After(waitTimeout):
		t.Fatal("member b waited for the engagement of member a")
	}

	unlockA()
	var unlockSecondA func()
	select {
	case unlockSecondA = <-secondA:
	case <-time.After(waitTimeout):
		t.Fatal("the second engagement of member a did not lock it once the first was over")
	}
	unlockSecondA()
	unlockB()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.engaging) != 0 {
		t.Errorf("locks kept after every engagement ended: %v", p.engaging)
	}
}

func TestRegisterCancelsTheEngagementItReplaces(t *testing.T) {
	p := NewProvider(Options{})
	source := flotillav1alpha1.MemberSource{KubeconfigSecret: &flotillav1alpha1.ObjectReference{Namespace: "ns", Name: "m"}}
	reg := Registration{Name: "m", Source: source, Kubeconfig: testKubeconfig(t, "https://127.0.0.1:1")}
	// Before Start, Register only records the registration.
	if err := p.Register(reg); err != nil {
		t.Fatal(err)
	}

	// underWay stands for an engagement of the current registration holding the member's lock,
	// as engage holds it, until over is called.
	underWay := func() (_ context.Context, over func()) {
		ctx, cancel := context.WithCancel(context.Background())
		l, unlock := p.lockMember("m")
		p.mu.Lock()
		l.hash, l.cancel = p.regs["m"].hash, cancel
		p.mu.Unlock()
		return ctx, func() {
			p.mu.Lock()
			l.hash, l.cancel = "", nil
			p.mu.Unlock()
			cancel()
			unlock()
		}
	}
	ended := func(ctx context.Context) bool {
		select {
		case <-ctx.Done():
			return true
		default:
			return false
		}
	}

	engagement, over := underWay()
	relabelled := reg
	relabelled.Labels = map[string]string{"env": "prod"}
	if err := p.Register(relabelled); err != nil {
		t.Fatal(err)
	}
	if ended(engagement) {
		t.Error("a registration that only changes labels ended the engagement under way")
	}
	moved := reg
	moved.Kubeconfig = testKubeconfig(t, "https://127.0.0.1:2")
	if err := p.Register(moved); err != nil {
		t.Fatal(err)
	}
	if !ended(engagement) {
		t.Error("a registration with a new kubeconfig did not end the engagement under way")
	}

	over()

	engagement, over = underWay()
	defer over()
	p.Unregister("m", source)
	if !ended(engagement) {
		t.Error("Unregister did not end the engagement under way")
	}
}

// testKubeconfig is a kubeconfig for server, without credentials.
func testKubeconfig(t *testing.T, server string) []byte {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["member"] = &clientcmdapi.Cluster{Server: server}
	cfg.AuthInfos["hub"] = &clientcmdapi.AuthInfo{}
	cfg.Contexts["member"] = &clientcmdapi.Context{Cluster: "member", AuthInfo: "hub"}
	cfg.CurrentContext = "member"
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
