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
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	nvidiav1alpha1 "github.com/flotilla-dev/flotilla/api/nvidia/v1alpha1"
)

// Defaults of Options.
const (
	// DefaultIngressHostSuffix is appended to ingress hosts when neither the DCD nor Options
	// name a suffix, as in Dynamo.
	DefaultIngressHostSuffix = "local"
	// DefaultServiceAccountName is the service account of pods whose extraPodSpec names none.
	DefaultServiceAccountName = "default"
	// DefaultClusterDomain is the cluster DNS domain used in multinode leader addresses.
	DefaultClusterDomain = "cluster.local"
)

// Options hold what Build needs to know beyond the DCD: the agent's configuration.
type Options struct {
	// IngressHostSuffix is the host suffix of Ingresses whose spec.ingress.hostSuffix is unset
	// (DefaultIngressHostSuffix if empty).
	IngressHostSuffix string
	// Env are operator-level variables given to every main container, such as NATS_SERVER,
	// ETCD_ENDPOINTS or DYN_DISCOVERY_BACKEND. Variables the DCD sets, or Dynamo injects, win.
	Env []corev1.EnvVar
	// ServiceAccountName is the service account of pods whose extraPodSpec names none
	// (DefaultServiceAccountName if empty).
	ServiceAccountName string
	// ClusterDomain is the cluster's DNS domain (DefaultClusterDomain if empty).
	ClusterDomain string
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
	return o
}

// Build returns the objects that run dcd. The error, if any, is a *FieldError naming the field of
// dcd that prevents building; nothing is returned with it.
func Build(dcd *nvidiav1alpha1.DynamoComponentDeployment, opts Options) (*Result, error) {
	if dcd == nil {
		return nil, errors.New("workload.Build: nil DynamoComponentDeployment")
	}
	c, err := newComponent(dcd, opts.withDefaults())
	if err != nil {
		return nil, err
	}
	res := &Result{PodSelector: map[string]string{nvidiav1alpha1.LabelSelector: c.name}}
	if c.multinode() {
		for i := range c.replicas {
			sts, svc, err := buildReplica(c, i)
			if err != nil {
				return nil, err
			}
			res.StatefulSets = append(res.StatefulSets, sts)
			res.Services = append(res.Services, svc)
		}
		if c.replicas == 0 {
			// Nothing runs, but a DCD that could not run must still be refused.
			if _, err := podTemplate(c, 0); err != nil {
				return nil, err
			}
		}
		if note := multinodeNote(c); note != "" {
			res.notef("spec.multinode", "%s", note)
		}
	} else {
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
	addSpecNotes(c, res)
	return res, nil
}

// addSpecNotes records the fields of the DCD that are accepted but have no effect here.
func addSpecNotes(c *component, res *Result) {
	if c.spec.Autoscaling != nil {
		res.notef("spec.autoscaling", "deprecated and ignored, as in Dynamo")
	}
	if c.spec.PVC != nil {
		res.notef("spec.pvc", "the deprecated single-claim form is not mounted; use spec.volumeMounts")
	}
	res.Notes = append(res.Notes, c.notes...)
}

// component is the DCD with every default and fallback resolved, shared by the builders.
type component struct {
	dcd  *nvidiav1alpha1.DynamoComponentDeployment
	spec *nvidiav1alpha1.DynamoComponentDeploymentSharedSpec
	opts Options

	name          string
	namespace     string
	componentType string
	// backend is the backend framework: spec.backendFramework, else detected from the main
	// container's command ("" when unknown).
	backend string
	// replicas is spec.replicas, 1 when unset.
	replicas int32
	// nodeCount is the number of pods per replica: multinode.nodeCount, else 1.
	nodeCount       int32
	graphName       string
	dynamoNamespace string
	// multinodeFlagsInjected records that the backend's multinode launch flags were added.
	multinodeFlagsInjected bool
	// notes collects remarks of builders that have no Result at hand.
	notes []string
}

// newComponent resolves dcd's defaults.
func newComponent(dcd *nvidiav1alpha1.DynamoComponentDeployment, opts Options) (*component, error) {
	spec := &dcd.Spec.DynamoComponentDeploymentSharedSpec
	c := &component{
		dcd:           dcd,
		spec:          spec,
		opts:          opts,
		name:          dcd.Name,
		namespace:     dcd.Namespace,
		componentType: spec.ComponentType,
		replicas:      1,
		nodeCount:     1,
		graphName:     labelOf(dcd, nvidiav1alpha1.LabelGraphName),
	}
	if dcd.Name == "" {
		return nil, fieldErrorf("metadata.name", "required")
	}
	if spec.Replicas != nil {
		if *spec.Replicas < 0 {
			return nil, fieldErrorf("spec.replicas", "must not be negative, got %d", *spec.Replicas)
		}
		c.replicas = *spec.Replicas
	}
	if spec.Multinode != nil && spec.Multinode.NodeCount > 1 {
		c.nodeCount = spec.Multinode.NodeCount
	}
	switch {
	case spec.DynamoNamespace != nil && *spec.DynamoNamespace != "":
		c.dynamoNamespace = *spec.DynamoNamespace
	default:
		c.dynamoNamespace = labelOf(dcd, nvidiav1alpha1.LabelDynamoNamespace)
	}
	c.backend = backendFramework(dcd)
	if err := validateNames(c); err != nil {
		return nil, err
	}
	if err := validateLabels(c); err != nil {
		return nil, err
	}
	return c, nil
}

// multinode reports whether each replica spans several pods.
func (c *component) multinode() bool {
	return c.nodeCount > 1
}

// isFrontend reports whether the component is a frontend.
func (c *component) isFrontend() bool {
	return c.componentType == nvidiav1alpha1.ComponentTypeFrontend
}

// isWorker reports whether the component gets Dynamo's worker defaults (system port, probes).
func (c *component) isWorker() bool {
	switch c.componentType {
	case nvidiav1alpha1.ComponentTypeWorker, nvidiav1alpha1.ComponentTypePrefill, nvidiav1alpha1.ComponentTypeDecode:
		return true
	}
	return false
}

// extraPodSpec returns spec.extraPodSpec.PodSpec, or nil.
func (c *component) extraPodSpec() *corev1.PodSpec {
	if c.spec.ExtraPodSpec == nil {
		return nil
	}
	return c.spec.ExtraPodSpec.PodSpec
}

// mainContainer returns spec.extraPodSpec.mainContainer, or nil.
func (c *component) mainContainer() *corev1.Container {
	if c.spec.ExtraPodSpec == nil {
		return nil
	}
	return c.spec.ExtraPodSpec.MainContainer
}

// annotation returns the value of a DCD annotation Dynamo reads from spec.annotations, falling
// back to the DCD's own metadata.annotations ("" when neither has it).
func (c *component) annotation(key string) string {
	if v, ok := c.spec.Annotations[key]; ok {
		return v
	}
	return c.dcd.Annotations[key]
}

// labelOf returns a label of the DCD: metadata.labels first, then spec.labels.
func labelOf(dcd *nvidiav1alpha1.DynamoComponentDeployment, key string) string {
	if v := dcd.Labels[key]; v != "" {
		return v
	}
	return dcd.Spec.Labels[key]
}

// maxStatefulSetNameLength keeps "<statefulset>-<revision hash>", the value of the
// controller-revision-hash label of its pods, within the 63 characters of a label value.
const maxStatefulSetNameLength = 52

// validateNames checks that the names derived from the DCD's name are valid for every object
// built from it.
func validateNames(c *component) error {
	if msgs := validation.IsValidLabelValue(c.name); len(msgs) > 0 {
		return fieldErrorf("metadata.name", "%q cannot be the value of the %s label of its pods: %s", c.name, nvidiav1alpha1.LabelSelector, msgs[0])
	}
	if c.isFrontend() || c.multinode() {
		if msgs := validation.IsDNS1035Label(c.name); len(msgs) > 0 {
			return fieldErrorf("metadata.name", "%q cannot name a Service: %s", c.name, msgs[0])
		}
	}
	if c.multinode() && c.replicas > 0 {
		last := replicaName(c, c.replicas-1)
		if len(last) > maxStatefulSetNameLength {
			return fieldErrorf("metadata.name", "too long for a multinode component: StatefulSet name %q has %d characters, at most %d allowed",
				last, len(last), maxStatefulSetNameLength)
		}
	}
	return nil
}

// replicaName is the name of the StatefulSet and headless Service of multinode replica i.
func replicaName(c *component, i int32) string {
	return fmt.Sprintf("%s-%d", c.name, i)
}
