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

package workload

import (
	"errors"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/flotilla-dev/flotilla/agent/workload/launch"
	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// Defaults of Options.
const (
	// DefaultIngressHostSuffix is appended to ingress hosts when neither the DCD nor Options
	// name a suffix, as in Dynamo.
	DefaultIngressHostSuffix = "local"
	// DefaultServiceAccountName is the service account of pods whose pod template names none.
	DefaultServiceAccountName = "default"
	// DefaultClusterDomain is the cluster DNS domain used in multinode leader addresses.
	DefaultClusterDomain = "cluster.local"
)

// Options hold what Build needs to know beyond the DCD: the agent's configuration.
type Options struct {
	// IngressHostSuffix is the host suffix of Ingresses whose spec.ingress.hostSuffix is unset
	// (DefaultIngressHostSuffix if empty).
	IngressHostSuffix string
	// Env are operator-level variables given to every main container (and frontend sidecar),
	// such as NATS_SERVER, ETCD_ENDPOINTS or DYN_DISCOVERY_BACKEND. Variables the DCD sets, or
	// Dynamo injects, win.
	Env []corev1.EnvVar
	// ServiceAccountName is the service account of pods whose pod template names none
	// (DefaultServiceAccountName if empty).
	ServiceAccountName string
	// ClusterDomain is the cluster's DNS domain (DefaultClusterDomain if empty).
	ClusterDomain string
	// MultinodeRuntime runs multinode components: RuntimeStatefulSet (the default) or
	// RuntimeLeaderWorkerSet, which the member must serve.
	MultinodeRuntime MultinodeRuntime
	// SSHSecretName is the Secret holding the SSH key pair with which a multinode TensorRT-LLM
	// leader runs mpirun on its workers (launch.DefaultSSHSecretName if empty).
	SSHSecretName string
}

// withDefaults returns o with empty fields set to their defaults.
func (o Options) withDefaults() Options {
	if o.IngressHostSuffix == "" {
		o.IngressHostSuffix = DefaultIngressHostSuffix
	}
	if o.ServiceAccountName == "" {
		o.ServiceAccountName = DefaultServiceAccountName
	}
	if o.ClusterDomain == "" {
		o.ClusterDomain = DefaultClusterDomain
	}
	if o.MultinodeRuntime == "" {
		o.MultinodeRuntime = RuntimeStatefulSet
	}
	if o.SSHSecretName == "" {
		o.SSHSecretName = launch.DefaultSSHSecretName
	}
	return o
}

// Build returns the objects that run dcd. The error, if any, is a *FieldError naming the field of
// dcd that prevents building; nothing is returned with it.
//
// A DCD written in v1alpha1 is built from its conversion to v1beta1 (ConvertTo); the v1alpha1
// fields v1beta1 has no place for that the builder honours (ingress, dynamoNamespace, the
// component's labels and annotations, pvc, autoscaling, a subComponentType, further compilation
// caches, quantities that do not parse) are read from the payload the conversion keeps in the
// nvidia.com/dcd-spec annotation.
func Build(dcd *nvidiav1beta1.DynamoComponentDeployment, opts Options) (*Result, error) {
	if dcd == nil {
		return nil, errors.New("workload.Build: nil DynamoComponentDeployment")
	}
	c, err := newComponent(dcd, opts.withDefaults())
	if err != nil {
		return nil, c.withV1alpha1Field(err)
	}
	res, err := build(c)
	if err != nil {
		return nil, c.withV1alpha1Field(err)
	}
	return res, nil
}

// build builds the objects of c.
func build(c *component) (*Result, error) {
	res := &Result{PodSelector: map[string]string{nvidiav1beta1.LabelSelector: c.name}}
	switch {
	case c.multinode() && c.opts.MultinodeRuntime == RuntimeLeaderWorkerSet:
		lws, err := buildLeaderWorkerSet(c)
		if err != nil {
			return nil, err
		}
		res.LeaderWorkerSet = lws
		if c.backend == BackendTRTLLM && c.replicas > 0 {
			res.SSHKeySecret = c.opts.SSHSecretName
		}
		if note := multinodeNote(c); note != "" {
			res.notef("spec.multinode", "%s", note)
		}
	case c.multinode():
		for i := range c.replicas {
			sets, svc, err := buildReplica(c, i)
			if err != nil {
				return nil, err
			}
			res.StatefulSets = append(res.StatefulSets, sets...)
			res.Services = append(res.Services, svc)
		}
		if c.replicas == 0 {
			// Nothing runs, but a DCD that could not run must still be refused.
			if _, _, err := buildReplica(c, 0); err != nil {
				return nil, err
			}
		}
		if c.backend == BackendTRTLLM && c.replicas > 0 {
			res.SSHKeySecret = c.opts.SSHSecretName
		}
		if note := multinodeNote(c); note != "" {
			res.notef("spec.multinode", "%s", note)
		}
	default:
		d, err := buildDeployment(c)
		if err != nil {
			return nil, err
		}
		res.Deployment = d
	}
	if svc := buildService(c); svc != nil {
		res.Services = append(res.Services, svc)
	}
	ing, err := buildIngress(c, res)
	if err != nil {
		return nil, err
	}
	res.Ingress = ing
	res.ModelService = buildModelService(c)
	addSpecNotes(c, res)
	return res, nil
}

// addSpecNotes records the fields of the DCD that are accepted but have no effect here.
func addSpecNotes(c *component, res *Result) {
	if c.alpha.Autoscaling != nil {
		res.notef("spec.autoscaling", "deprecated and ignored, as in Dynamo")
	}
	if c.alpha.PVC != nil {
		res.notef("spec.pvc", "the deprecated single-claim form is not mounted; use spec.volumeMounts")
	}
	if s := c.spec.DynamoSidecar; s != nil && *s != "" {
		res.notef("spec.dynamoSidecar", "not supported by the agent; container %q runs as written and main gets Dynamo's defaults", *s)
	}
	res.Notes = append(res.Notes, c.notes...)
}

// component is the DCD with every default and fallback resolved, shared by the builders.
type component struct {
	dcd  *nvidiav1beta1.DynamoComponentDeployment
	spec *nvidiav1beta1.DynamoComponentDeploymentSharedSpec
	// alpha holds the v1alpha1-only fields kept by the conversion of a DCD written in
	// v1alpha1; empty (never nil) for a DCD written in v1beta1.
	alpha *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec
	// fromV1alpha1 records that the DCD was converted from v1alpha1 (it carries the conversion's
	// payload), for error messages and the labels of disaggregated workers.
	fromV1alpha1 bool
	opts         Options

	name      string
	namespace string
	// componentType is the component type the pods are labelled with and Dynamo's variables
	// name; subComponentType the sub-component type label, if any (see resolveTypes).
	componentType    string
	subComponentType string
	// backend is the backend framework: spec.backendFramework, else detected from the main
	// container's command ("" when unknown).
	backend string
	// replicas is spec.replicas, 1 when unset.
	replicas int32
	// nodeCount is the number of pods per replica: multinode.nodeCount, else 1.
	nodeCount       int32
	graphName       string
	dynamoNamespace string
	// launchRewritten records that the leader's command was rewritten to launch a multinode
	// engine (package launch).
	launchRewritten bool
	// notes collects remarks of builders that have no Result at hand.
	notes []string
}

// newComponent resolves dcd's defaults. The component is returned with the error too, for
// withV1alpha1Field.
func newComponent(dcd *nvidiav1beta1.DynamoComponentDeployment, opts Options) (*component, error) {
	spec := &dcd.Spec.DynamoComponentDeploymentSharedSpec
	c := &component{
		dcd:       dcd,
		spec:      spec,
		alpha:     &nvidiav1alpha1.DynamoComponentDeploymentSharedSpec{},
		opts:      opts,
		name:      dcd.Name,
		namespace: dcd.Namespace,
		replicas:  1,
		nodeCount: 1,
	}
	if preserved := nvidiav1alpha1.PreservedDCDSpec(dcd); preserved != nil {
		c.alpha = &preserved.DynamoComponentDeploymentSharedSpec
		c.fromV1alpha1 = true
	}
	c.graphName = labelOf(c, nvidiav1beta1.LabelGraphName)
	c.componentType, c.subComponentType = resolveTypes(c)
	if dcd.Name == "" {
		return c, fieldErrorf("metadata.name", "required")
	}
	if spec.Replicas != nil {
		if *spec.Replicas < 0 {
			return c, fieldErrorf("spec.replicas", "must not be negative, got %d", *spec.Replicas)
		}
		c.replicas = *spec.Replicas
	}
	if spec.Multinode != nil && spec.Multinode.NodeCount > 1 {
		c.nodeCount = spec.Multinode.NodeCount
	}
	switch {
	case c.alpha.DynamoNamespace != nil && *c.alpha.DynamoNamespace != "":
		c.dynamoNamespace = *c.alpha.DynamoNamespace
	default:
		c.dynamoNamespace = labelOf(c, nvidiav1beta1.LabelDynamoNamespace)
	}
	c.backend = backendFramework(c)
	if err := validateNames(c); err != nil {
		return c, err
	}
	if err := validateLabels(c); err != nil {
		return c, err
	}
	return c, nil
}

// resolveTypes returns the component type and sub-component type of c's pods.
//
// A DCD written in v1beta1 is labelled with its spec.type. A DCD converted from v1alpha1 keeps
// the labels its v1alpha1 fields gave it, as upstream Dynamo keeps "the old selector contract"
// of converted DCDs: a worker whose subComponentType was prefill or decode, which v1beta1 turns
// into type prefill or decode, stays componentType worker with sub-component type prefill or
// decode; a componentType or subComponentType that v1beta1 cannot hold is read from the payload.
func resolveTypes(c *component) (componentType, subComponentType string) {
	componentType = string(c.spec.ComponentType)
	if !c.fromV1alpha1 {
		return componentType, ""
	}
	switch {
	case c.alpha.ComponentType != "":
		return c.alpha.ComponentType, c.alpha.SubComponentType
	case c.alpha.SubComponentType != "":
		return componentType, c.alpha.SubComponentType
	case componentType == string(nvidiav1beta1.ComponentTypePrefill) || componentType == string(nvidiav1beta1.ComponentTypeDecode):
		return nvidiav1alpha1.ComponentTypeWorker, componentType
	}
	return componentType, ""
}

// multinode reports whether each replica spans several pods.
func (c *component) multinode() bool {
	return c.nodeCount > 1
}

// isFrontend reports whether the component is a frontend.
func (c *component) isFrontend() bool {
	return c.componentType == string(nvidiav1beta1.ComponentTypeFrontend)
}

// isWorkerType reports whether t is a worker, prefill or decode component type: one that gets
// Dynamo's worker defaults (system port, probes).
func isWorkerType(t string) bool {
	switch nvidiav1beta1.ComponentType(t) {
	case nvidiav1beta1.ComponentTypeWorker, nvidiav1beta1.ComponentTypePrefill, nvidiav1beta1.ComponentTypeDecode:
		return true
	}
	return false
}

// podSpec returns spec.podTemplate.spec, or nil.
func (c *component) podSpec() *corev1.PodSpec {
	if c.spec.PodTemplate == nil {
		return nil
	}
	return &c.spec.PodTemplate.Spec
}

// podMetadataLabels returns spec.podTemplate.metadata.labels, or nil.
func (c *component) podMetadataLabels() map[string]string {
	if c.spec.PodTemplate == nil {
		return nil
	}
	return c.spec.PodTemplate.Labels
}

// podMetadataAnnotations returns spec.podTemplate.metadata.annotations, or nil.
func (c *component) podMetadataAnnotations() map[string]string {
	if c.spec.PodTemplate == nil {
		return nil
	}
	return c.spec.PodTemplate.Annotations
}

// mainContainer returns the pod template's container named main, or nil.
func (c *component) mainContainer() *corev1.Container {
	ps := c.podSpec()
	if ps == nil {
		return nil
	}
	for i := range ps.Containers {
		if ps.Containers[i].Name == MainContainerName {
			return &ps.Containers[i]
		}
	}
	return nil
}

// annotation returns the value of an annotation Dynamo reads off a component, and the path of
// the field it came from: the component's v1alpha1 spec.annotations first, then the pod
// template's annotations, then the DCD's own metadata.annotations ("" when none has it).
func (c *component) annotation(key string) (value, path string) {
	if v, ok := c.alpha.Annotations[key]; ok {
		return v, keyPath("spec.annotations", key)
	}
	if v, ok := c.podMetadataAnnotations()[key]; ok {
		return v, keyPath("spec.podTemplate.metadata.annotations", key)
	}
	if v, ok := c.dcd.Annotations[key]; ok {
		return v, keyPath("metadata.annotations", key)
	}
	return "", ""
}

// labelOf returns a label of the DCD: metadata.labels first, then the component's v1alpha1
// spec.labels.
func labelOf(c *component, key string) string {
	if v := c.dcd.Labels[key]; v != "" {
		return v
	}
	return c.alpha.Labels[key]
}

// maxStatefulSetNameLength keeps "<statefulset>-<revision hash>", the value of the
// controller-revision-hash label of its pods, within the 63 characters of a label value.
const maxStatefulSetNameLength = 52

// validateNames checks that the names derived from the DCD's name are valid for every object
// built from it.
func validateNames(c *component) error {
	if msgs := validation.IsValidLabelValue(c.name); len(msgs) > 0 {
		return fieldErrorf("metadata.name", "%q cannot be the value of the %s label of its pods: %s", c.name, nvidiav1beta1.LabelSelector, msgs[0])
	}
	if c.isFrontend() || c.multinode() {
		if msgs := validation.IsDNS1035Label(c.name); len(msgs) > 0 {
			return fieldErrorf("metadata.name", "%q cannot name a Service: %s", c.name, msgs[0])
		}
	}
	if c.multinode() && c.replicas > 0 {
		last := workerSetName(c, c.replicas-1)
		if len(last) > maxStatefulSetNameLength {
			return fieldErrorf("metadata.name", "too long for a multinode component: StatefulSet name %q has %d characters, at most %d allowed",
				last, len(last), maxStatefulSetNameLength)
		}
	}
	return nil
}
