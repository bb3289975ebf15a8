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
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/multicluster-runtime/pkg/clusters"
	"sigs.k8s.io/multicluster-runtime/pkg/multicluster"

	flotillav1alpha1 "github.com/flotilla-dev/flotilla/api/flotilla/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// Registration is one member cluster as a source describes it.
type Registration struct {
	// Name is the member's name: the name of its MemberCluster and of its multicluster-runtime
	// cluster.
	Name string
	// Source is where the registration comes from.
	Source flotillav1alpha1.MemberSource
	// Kubeconfig reaches the member as its flotilla-hub identity (or, for Cluster API, as the
	// Cluster's kubeconfig Secret says).
	Kubeconfig []byte
	// AgentNamespace is the namespace of the member's agent: its GPUInventory and Lease.
	AgentNamespace string
	// NamespaceRestriction is the only namespace the hub may use on a namespace-restricted
	// member; empty in cluster mode.
	NamespaceRestriction string
	// Labels are the labels the source gives the member's MemberCluster.
	Labels map[string]string
}

// Errors of Register that only a change of the source mends.
var (
	// ErrNameTaken is returned when another source already registered the name.
	ErrNameTaken = errors.New("member name already registered by another source")
	// ErrInvalidKubeconfig is returned when the kubeconfig is missing or does not parse.
	ErrInvalidKubeconfig = errors.New("invalid member kubeconfig")
)

// Options configure a Provider.
type Options struct {
	// Scheme of the members' clients: it must hold the Dynamo and Flotilla APIs, core and
	// coordination.
	Scheme *runtime.Scheme
	// QPS and Burst limit each member's client (client-go's defaults of 5 and 10 would cap a
	// hub syncing many graphs).
	QPS   float32
	Burst int
	// DefaultAgentNamespace is the agent namespace of registrations that name none.
	DefaultAgentNamespace string
	// InformerSyncTimeout bounds the start and sync of a member's informers before the manager
	// is engaged with it; DefaultInformerSyncTimeout when zero.
	InformerSyncTimeout time.Duration
}

// DefaultInformerSyncTimeout is how long a member's watches may take to sync before its
// engagement fails (and is tried again).
const DefaultInformerSyncTimeout = time.Minute

// Provider is the hub's multicluster-runtime Provider: it engages one Cluster per registered
// member. It is safe for concurrent use. The engagements of one member are serialised; those of
// different members do not wait for one another (see engage).
type Provider struct {
	opts Options
	// clusters runs the engaged clusters (start, cache sync, indexers), each under a key of its
	// own (see engagement).
	clusters clusters.Clusters[cluster.Cluster]

	mu sync.Mutex
	// regs holds every registration, engaged or not, by name.
	regs map[string]entry
	// errs holds why the last engagement of a member failed, by name.
	errs map[string]error
	// engaged holds the engagement of every engaged member, by name.
	engaged map[string]engagement
	// keys counts the engagements, to key each one in clusters.
	keys uint64
	// ctx and aware are set by Start; before it, registrations wait.
	ctx   context.Context
	aware multicluster.Aware
	// engaging holds the lock of every member with an engagement under way or waiting for one,
	// by name (lockMember).
	engaging map[string]*memberLock
}

// memberLock serialises the engagements of one member. Its fields but mu are guarded by
// Provider.mu.
type memberLock struct {
	mu sync.Mutex
	// users counts the engagements holding or waiting for mu: the lock is forgotten when none
	// does.
	users int
	// hash and cancel are those of the engagement holding mu once it has started the member's
	// cluster: Register cancels it when it replaces the registration, Unregister when it removes
	// it, so that a member whose cluster never syncs does not hold up its own next engagement.
	hash   string
	cancel context.CancelFunc
}

type entry struct {
	reg Registration
	// hash identifies what engaging depends on: the kubeconfig and the namespaces.
	hash string
}

// engagement is one engaged cluster of a member. It is held in clusters under a key used once
// ("<name>#<n>"), not under the member's name: clusters.Clusters removes a cluster by name when
// the cluster stops, so a member engaged again under its name would lose its new cluster when
// the old one finished stopping after the new one was added. The manager is engaged with the
// member's name.
type engagement struct {
	key     multicluster.ClusterName
	cluster cluster.Cluster
	// hash is the hash of the registration engaged.
	hash string
	// cancel ends the engagement: the cluster and the manager's engagement with it.
	cancel context.CancelFunc
}

// stoppingCluster is an engaged cluster as clusters runs it: when it stops, for whatever
// reason, its engagement ends.
type stoppingCluster struct {
	cluster.Cluster
	stopped func()
}

func (c stoppingCluster) Start(ctx context.Context) error {
	defer c.stopped()
	return c.Cluster.Start(ctx)
}

var (
	_ multicluster.Provider         = &Provider{}
	_ multicluster.ProviderRunnable = &Provider{}
)

// NewProvider returns a Provider with opts.
func NewProvider(opts Options) *Provider {
	if opts.DefaultAgentNamespace == "" {
		opts.DefaultAgentNamespace = "flotilla-system"
	}
	if opts.InformerSyncTimeout <= 0 {
		opts.InformerSyncTimeout = DefaultInformerSyncTimeout
	}
	p := &Provider{
		opts:     opts,
		clusters: clusters.New[cluster.Cluster](),
		regs:     map[string]entry{},
		engaged:  map[string]engagement{},
		errs:     map[string]error{},
		engaging: map[string]*memberLock{},
	}
	logger := log.Log.WithName("members")
	p.clusters.ErrorHandler = logger.Error
	return p
}

// Register adds or updates a member. A member whose kubeconfig or namespaces changed is engaged
// again with the new ones; one whose labels alone changed is not. Register returns ErrNameTaken
// if another source holds the name, and an error if the kubeconfig is unusable.
func (p *Provider) Register(reg Registration) error {
	if reg.AgentNamespace == "" {
		reg.AgentNamespace = p.opts.DefaultAgentNamespace
	}
	if _, err := p.restConfig(reg.Kubeconfig); err != nil {
		return err
	}
	h := sha256.New()
	for _, part := range [][]byte{reg.Kubeconfig, []byte(reg.AgentNamespace), []byte(reg.NamespaceRestriction)} {
		h.Write(part)
		h.Write([]byte{0})
	}
	e := entry{reg: reg, hash: hex.EncodeToString(h.Sum(nil))}

	p.mu.Lock()
	old, exists := p.regs[reg.Name]
	if exists && !SameSource(old.reg.Source, reg.Source) {
		p.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrNameTaken, DescribeSource(old.reg.Source))
	}
	p.regs[reg.Name] = e
	if l := p.engaging[reg.Name]; l != nil && l.cancel != nil && l.hash != e.hash {
		l.cancel() // the engagement under way is replaced.
	}
	ctx, aware := p.ctx, p.aware
	p.mu.Unlock()

	if aware == nil {
		return nil // Start engages it.
	}
	if exists && old.hash == e.hash && p.engagedWith(e) {
		return nil
	}
	return p.engageAndRecord(ctx, aware, e)
}

// EngageError returns why the member's last engagement failed; nil once it succeeded.
func (p *Provider) EngageError(name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.errs[name]
}

// Unregister removes the member name if source registered it, and disengages it.
func (p *Provider) Unregister(name string, source flotillav1alpha1.MemberSource) {
	p.mu.Lock()
	old, exists := p.regs[name]
	if !exists || !SameSource(old.reg.Source, source) {
		p.mu.Unlock()
		return
	}
	delete(p.regs, name)
	delete(p.errs, name)
	if l := p.engaging[name]; l != nil && l.cancel != nil {
		l.cancel() // the engagement under way is removed.
	}
	eng, engaged := p.engaged[name]
	delete(p.engaged, name)
	p.mu.Unlock()
	if engaged {
		p.stop(eng)
	}
	log.Log.WithName("members").Info("Disengaged member", "member", name)
}

// Lookup returns the registration of a member, without its kubeconfig.
func (p *Provider) Lookup(name string) (Registration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.regs[name]
	if !ok {
		return Registration{}, false
	}
	reg := e.reg
	reg.Kubeconfig = nil
	reg.Labels = maps.Clone(reg.Labels)
	return reg, true
}

// Names returns the names of every registered member, sorted.
func (p *Provider) Names() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Sorted(maps.Keys(p.regs))
}

// Get returns the engaged cluster of a member, or an error wrapping
// multicluster.ErrClusterNotFound.
func (p *Provider) Get(_ context.Context, name multicluster.ClusterName) (cluster.Cluster, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	eng, ok := p.engaged[string(name)]
	if !ok {
		return nil, fmt.Errorf("member %s: %w", name, multicluster.ErrClusterNotFound)
	}
	return eng.cluster, nil
}

// IndexField indexes a field on every member's cache, current and future.
func (p *Provider) IndexField(ctx context.Context, obj client.Object, field string, extract client.IndexerFunc) error {
	return p.clusters.IndexField(ctx, obj, field, extract)
}

// Start engages the members registered so far, then those registered later, until ctx ends.
func (p *Provider) Start(ctx context.Context, aware multicluster.Aware) error {
	p.mu.Lock()
	if p.aware != nil {
		p.mu.Unlock()
		return errors.New("members provider already started")
	}
	p.ctx, p.aware = ctx, aware
	waiting := slices.Collect(maps.Values(p.regs))
	p.mu.Unlock()
	// Each member is engaged on its own, as Register engages it: one that is slow to answer does
	// not hold up the others.
	for _, e := range waiting {
		go p.engageUntilDone(ctx, aware, e)
	}
	<-ctx.Done()
	return nil
}

// The backoff of engageUntilDone.
const (
	startRetryFirst = time.Second
	startRetryMax   = time.Minute
)

// engageUntilDone engages e, registered before Start, and while its engagement fails and e is
// still the member's registration (not engaged meanwhile by a newer Register), tries again,
// after startRetryFirst, then twice as long each time, up to startRetryMax. Register's caller
// retries a failed engagement with its controller's backoff; nothing would retry one that
// Start made, and a member that did not answer when the hub started would stay unengaged
// until its source object changed.
func (p *Provider) engageUntilDone(ctx context.Context, aware multicluster.Aware, e entry) {
	delay := startRetryFirst
	for {
		err := p.engageAndRecord(ctx, aware, e)
		if err == nil || !p.current(e) || p.engagedWith(e) {
			return
		}
		log.FromContext(ctx).Error(err, "Cannot engage member; trying again", "member", e.reg.Name, "after", delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, startRetryMax)
	}
}

// engageAndRecord engages e and, if e is still the member's registration, records the outcome
// for EngageError: an engagement that was replaced or removed meanwhile says nothing about the
// member.
func (p *Provider) engageAndRecord(ctx context.Context, aware multicluster.Aware, e entry) error {
	err := p.engage(ctx, aware, e)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.currentLocked(e) {
		if err != nil {
			p.errs[e.reg.Name] = err
		} else {
			delete(p.errs, e.reg.Name)
		}
	}
	return err
}

// engage builds the member's cluster and engages it, replacing an engaged one.
//
// Checking the member (preflight) and building its cluster, which asks the member's discovery
// which cached kinds are namespaced, come first, outside any lock: an unreachable member takes up
// to the client's dial or TLS handshake timeout there. Then, from the start of the cluster to the
// manager's engagement, engage holds the member's lock (lockMember) and no other member's:
//   - the engagements of one member follow one another, so the manager is engaged with one cluster
//     of the member at a time, in the order they replace one another: an engagement that was
//     replaced never reaches the manager after its replacement, which would end the replacement's
//     engagement in the manager's controllers;
//   - the engagements of different members do not wait for one another: starting a member's cluster
//     (clusters.Add waits, up to its WaitCacheTimeout, for the cache to start) and its informers
//     (warmInformers waits, up to Options.InformerSyncTimeout, for them to sync) only hold up that
//     member's engagements; the manager's engagement then finds the informers synced.
func (p *Provider) engage(ctx context.Context, aware multicluster.Aware, e entry) error {
	// A registration replaced or removed meanwhile is not engaged.
	if !p.current(e) {
		return nil
	}
	cfg, err := p.restConfig(e.reg.Kubeconfig)
	if err != nil {
		return err
	}
	if err := p.preflight(ctx, cfg, e.reg); err != nil {
		return err
	}
	cl, err := cluster.New(cfg, p.clusterOptions(e.reg))
	if err != nil {
		return fmt.Errorf("member %s: %w", e.reg.Name, err)
	}
	name := e.reg.Name
	l, unlock := p.lockMember(name)
	defer unlock()
	engCtx, cancel := context.WithCancel(ctx)
	// An engagement that waited for an earlier one of the member may have been replaced or
	// removed meanwhile: it is not started. Otherwise it is the member's engagement under way
	// (memberLock.cancel) until it returns.
	p.mu.Lock()
	if !p.currentLocked(e) {
		p.mu.Unlock()
		cancel()
		return nil
	}
	p.keys++
	key := multicluster.ClusterName(fmt.Sprintf("%s#%d", name, p.keys))
	l.hash, l.cancel = e.hash, cancel
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		l.hash, l.cancel = "", nil
		p.mu.Unlock()
	}()
	eng := engagement{key: key, cluster: cl, hash: e.hash, cancel: cancel}
	// clusters starts the cluster, waits for its cache and applies the indexers; the manager is
	// engaged below, under the member's name.
	if err := p.clusters.Add(engCtx, key, stoppingCluster{Cluster: cl, stopped: func() { p.drop(name, key) }}, nil); err != nil {
		cancel()
		return p.unlessReplaced(e, fmt.Errorf("member %s: %w", name, err))
	}
	// The informers the hub's controllers watch on the member start and sync here, under this
	// member's lock only: multicluster-runtime's Kind sources start their informers and wait for
	// them to sync while holding their controller's lock, so a member whose watches hang there
	// would hold up that controller's engagement of every other member. They find them synced.
	if err := warmInformers(engCtx, cl, e.reg, p.opts.InformerSyncTimeout); err != nil {
		p.clusters.Remove(key)
		cancel()
		return p.unlessReplaced(e, fmt.Errorf("member %s: %w", name, err))
	}
	// Unregister or a newer Register may have come while the cluster started: then this
	// engagement is not published.
	p.mu.Lock()
	if !p.currentLocked(e) {
		p.mu.Unlock()
		p.stop(eng)
		return nil
	}
	old, replaced := p.engaged[name]
	p.engaged[name] = eng
	p.mu.Unlock()
	if replaced {
		p.stop(old)
	}
	if err := aware.Engage(engCtx, multicluster.ClusterName(name), cl); err != nil {
		p.drop(name, key)
		return p.unlessReplaced(e, fmt.Errorf("member %s: %w", name, err))
	}
	log.Log.WithName("members").Info("Engaged member", "member", name, "server", cfg.Host,
		"agentNamespace", e.reg.AgentNamespace, "namespaceRestriction", e.reg.NamespaceRestriction)
	return nil
}

// unlessReplaced returns err unless e was replaced or removed meanwhile (which cancels its
// engagement under way): then the error says nothing about the member, and e is not engaged.
func (p *Provider) unlessReplaced(e entry, err error) error {
	if !p.current(e) {
		return nil
	}
	return err
}

// lockMember waits for the engagement of the member name under way, if any, and locks the
// member's engagements until the returned unlock is called. Provider.mu is never held while
// waiting: a member's lock is taken before Provider.mu, never after.
func (p *Provider) lockMember(name string) (l *memberLock, unlock func()) {
	p.mu.Lock()
	l, ok := p.engaging[name]
	if !ok {
		l = &memberLock{}
		p.engaging[name] = l
	}
	l.users++
	p.mu.Unlock()
	l.mu.Lock()
	return l, func() {
		l.mu.Unlock()
		p.mu.Lock()
		defer p.mu.Unlock()
		if l.users--; l.users == 0 {
			delete(p.engaging, name)
		}
	}
}

// engagedWith reports whether the member of e is engaged with e's kubeconfig and namespaces.
func (p *Provider) engagedWith(e entry) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	eng, ok := p.engaged[e.reg.Name]
	return ok && eng.hash == e.hash
}

// current reports whether e is still the registration of its name.
func (p *Provider) current(e entry) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.currentLocked(e)
}

func (p *Provider) currentLocked(e entry) bool {
	cur, ok := p.regs[e.reg.Name]
	return ok && cur.hash == e.hash
}

// drop ends the engagement key of the member name if it is still the member's.
func (p *Provider) drop(name string, key multicluster.ClusterName) {
	p.mu.Lock()
	eng, ok := p.engaged[name]
	if ok && eng.key == key {
		delete(p.engaged, name)
	}
	p.mu.Unlock()
	if ok && eng.key == key {
		p.stop(eng)
	}
}

// stop stops an engagement's cluster and ends the manager's engagement with it.
func (p *Provider) stop(eng engagement) {
	p.clusters.Remove(eng.key)
	eng.cancel()
}

// restConfig parses a member kubeconfig and applies the client limits.
func (p *Provider) restConfig(kubeconfig []byte) (*rest.Config, error) {
	if len(kubeconfig) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrInvalidKubeconfig)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKubeconfig, err)
	}
	if p.opts.QPS > 0 {
		cfg.QPS = p.opts.QPS
	}
	if p.opts.Burst > 0 {
		cfg.Burst = p.opts.Burst
	}
	cfg.UserAgent = "flotilla-hub"
	return cfg, nil
}

// clusterOptions scope a member's cache to what its flotilla-hub identity may read (DESIGN
// decision 9): the agent's GPUInventory and Lease in the agent's namespace, and only the
// DynamoComponentDeployments the hub wrote (those carrying a graph UID), in the restricted
// namespace for a namespace-restricted member. Namespaces are never cached: the hub only creates
// them. Nothing cached keeps its managedFields, which the hub never reads.
func (p *Provider) clusterOptions(reg Registration) cluster.Option {
	return func(o *cluster.Options) {
		o.Scheme = p.opts.Scheme
		o.Cache.ByObject = memberCache(reg)
		o.Cache.DefaultTransform = cache.TransformStripManagedFields()
		o.Client.Cache = &client.CacheOptions{DisableFor: []client.Object{&corev1.Namespace{}}}
		o.MapperProvider = memberRESTMapper
	}
}

// memberCache is what the member's cache holds: the kinds the hub's controllers watch there (the
// membercluster and sync controllers), each restricted to what the hub reads.
func memberCache(reg Registration) map[client.Object]cache.ByObject {
	agentNamespace := map[string]cache.Config{reg.AgentNamespace: {}}
	dcds := cache.ByObject{Label: hubWrittenSelector()}
	if reg.NamespaceRestriction != "" {
		dcds.Namespaces = map[string]cache.Config{reg.NamespaceRestriction: {}}
	}
	return map[client.Object]cache.ByObject{
		&flotillav1alpha1.GPUInventory{}: {
			Namespaces: agentNamespace,
			Field:      fields.OneTermEqualSelector("metadata.name", flotillav1alpha1.InventoryName),
		},
		&coordinationv1.Lease{}: {
			Namespaces: agentNamespace,
			Field:      fields.OneTermEqualSelector("metadata.name", flotillav1alpha1.AgentLeaseName),
		},
		&nvidiav1beta1.DynamoComponentDeployment{}: dcds,
	}
}

// warmInformers starts the member cluster's informers of every kind its cache holds
// (memberCache) and waits until they have synced, for up to timeout.
func warmInformers(ctx context.Context, cl cluster.Cluster, reg Registration, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for obj := range memberCache(reg) {
		if _, err := cl.GetCache().GetInformer(ctx, obj); err != nil {
			return fmt.Errorf("the watch of %T did not sync within %s: %w", obj, timeout, err)
		}
	}
	if !cl.GetCache().WaitForCacheSync(ctx) {
		return fmt.Errorf("the member's watches did not sync within %s", timeout)
	}
	return nil
}

// memberRESTMapper maps the kinds the hub reads or writes on a member (memberKinds) without
// discovery, and any other kind (none in the hub; tests ask for some) by controller-runtime's
// lazy discovery mapper, which then asks the member. A discovery mapper for every kind held, per
// member, what the member's discovery said of their groups: most of the hub's memory per member.
func memberRESTMapper(cfg *rest.Config, httpClient *http.Client) (meta.RESTMapper, error) {
	discovered, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return nil, err
	}
	return meta.FirstHitRESTMapper{MultiRESTMapper: meta.MultiRESTMapper{memberKinds, discovered}}, nil
}

// memberKinds maps the only kinds the hub reads or writes on a member: those clusterOptions
// caches and the Namespaces the sync controller creates. preflight has checked, before the
// member is engaged, that each of the cached kinds can be listed there.
var memberKinds = func() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(nvidiav1beta1.GroupVersion.WithKind("DynamoComponentDeployment"), meta.RESTScopeNamespace)
	m.Add(flotillav1alpha1.GroupVersion.WithKind("GPUInventory"), meta.RESTScopeNamespace)
	m.Add(coordinationv1.SchemeGroupVersion.WithKind("Lease"), meta.RESTScopeNamespace)
	m.Add(corev1.SchemeGroupVersion.WithKind("Namespace"), meta.RESTScopeRoot)
	return m
}()

// SameSource reports whether a and b name the same source object.
func SameSource(a, b flotillav1alpha1.MemberSource) bool {
	eq := func(x, y *flotillav1alpha1.ObjectReference) bool {
		return (x == nil && y == nil) || (x != nil && y != nil && *x == *y)
	}
	return eq(a.ClusterAPI, b.ClusterAPI) && eq(a.KubeconfigSecret, b.KubeconfigSecret)
}

// DescribeSource names a source for messages: "kubeconfig Secret ns/name" or "Cluster API
// Cluster ns/name".
func DescribeSource(s flotillav1alpha1.MemberSource) string {
	switch {
	case s.ClusterAPI != nil:
		return fmt.Sprintf("Cluster API Cluster %s/%s", s.ClusterAPI.Namespace, s.ClusterAPI.Name)
	case s.KubeconfigSecret != nil:
		return fmt.Sprintf("kubeconfig Secret %s/%s", s.KubeconfigSecret.Namespace, s.KubeconfigSecret.Name)
	default:
		return "unknown source"
	}
}

// hubWrittenSelector selects the DynamoComponentDeployments the hub wrote on a member: those
// carrying a graph UID.
func hubWrittenSelector() labels.Selector {
	hubWritten, _ := labels.NewRequirement(flotillav1alpha1.LabelGraphUID, selection.Exists, nil)
	return labels.NewSelector().Add(*hubWritten)
}
