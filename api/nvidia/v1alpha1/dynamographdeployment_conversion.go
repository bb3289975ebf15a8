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

package v1alpha1

import (
	"fmt"
	"slices"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/conversion"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// v1beta1 is the hub of the DynamoGraphDeployment conversion; v1alpha1 converts to and from it.
var _ conversion.Convertible = &DynamoGraphDeployment{}

// ConvertTo converts this v1alpha1 DynamoGraphDeployment to the hub version, v1beta1.
//
// The services map becomes the components list, each key becoming the component's name, sorted
// by name unless the hub payload recorded another order. What v1beta1 cannot hold (pvcs,
// per-service annotations and labels, dynamoNamespace, ...) goes to the nvidia.com/dgd-spec and
// nvidia.com/dgd-status annotations of the result.
func (src *DynamoGraphDeployment) ConvertTo(dstRaw conversion.Hub) error {
	dst, ok := dstRaw.(*nvidiav1beta1.DynamoGraphDeployment)
	if !ok {
		return fmt.Errorf("converting a v1alpha1 DynamoGraphDeployment: expected a *v1beta1.DynamoGraphDeployment, got %T", dstRaw)
	}
	dst.ObjectMeta = *src.ObjectMeta.DeepCopy()

	// A hub payload means the object was last written in v1beta1.
	var restored *nvidiav1beta1.DynamoGraphDeploymentSpec
	if raw := src.Annotations[dgdSpecAnnotation]; raw != "" {
		if spec, ok := decodeSpecPayload[nvidiav1beta1.DynamoGraphDeploymentSpec](raw, nil); ok {
			restored = &spec
		}
	}
	removeAnnotations(dst, dgdSpecAnnotation, dgdStatusAnnotation)

	var specSave DynamoGraphDeploymentSpec
	if err := graphSpecToHub(&src.Spec, &dst.Spec, restored, &specSave, restored == nil); err != nil {
		return err
	}
	graphStatusToHub(&src.Status, &dst.Status)
	statusSave := alphaOnlyGraphStatus(&src.Status)

	// A pod template built from v1alpha1 fields is recorded by a payload, even an empty one:
	// without it, the way back would take the object for one written in v1beta1 and leave a
	// payload on it. (Upstream does this for components only; Flotilla for graphs too, so that
	// a graph written in v1alpha1 converts back without annotations it did not have.)
	builtPodTemplate := restored == nil && slices.ContainsFunc(dst.Spec.Components, func(c nvidiav1beta1.DynamoComponentDeploymentSharedSpec) bool {
		return c.PodTemplate != nil
	})
	if builtPodTemplate || !isZeroSemantic(specSave) {
		payload, err := encodeSpecPayload(specSave, nil)
		if err != nil {
			return fmt.Errorf("keeping the v1alpha1-only fields of DynamoGraphDeployment %s: %w", src.Name, err)
		}
		setAnnotation(dst, dgdSpecAnnotation, payload)
	}
	if !isZeroSemantic(statusSave) {
		if err := setJSONAnnotation(dst, dgdStatusAnnotation, statusSave); err != nil {
			return err
		}
	}
	return nil
}

// ConvertFrom converts the hub version, v1beta1, to this v1alpha1 DynamoGraphDeployment.
//
// The components list becomes the services map; two components of the same name are an error.
// What v1alpha1 cannot hold (component order, hub-only pod-template fields, ...) goes to the
// nvidia.com/dgd-spec annotation of the result.
func (dst *DynamoGraphDeployment) ConvertFrom(srcRaw conversion.Hub) error {
	src, ok := srcRaw.(*nvidiav1beta1.DynamoGraphDeployment)
	if !ok {
		return fmt.Errorf("converting to a v1alpha1 DynamoGraphDeployment: expected a *v1beta1.DynamoGraphDeployment, got %T", srcRaw)
	}
	dst.ObjectMeta = *src.ObjectMeta.DeepCopy()

	// An alpha payload means the object was last written in v1alpha1.
	alphaOrigin := hasAnyAnnotation(src, dgdSpecAnnotation, dgdStatusAnnotation)
	var restored *DynamoGraphDeploymentSpec
	if raw := src.Annotations[dgdSpecAnnotation]; raw != "" {
		if spec, ok := decodeSpecPayload[DynamoGraphDeploymentSpec](raw, nil); ok {
			restored = &spec
		}
	}
	restoredStatus, err := decodeStatusPayload[DynamoGraphDeploymentStatus](src, dgdStatusAnnotation)
	if err != nil {
		return err
	}
	removeAnnotations(dst, dgdSpecAnnotation, dgdStatusAnnotation)

	var specSave nvidiav1beta1.DynamoGraphDeploymentSpec
	if err := graphSpecFromHub(&src.Spec, &dst.Spec, restored, &specSave, !alphaOrigin); err != nil {
		return err
	}
	graphStatusFromHub(&src.Status, &dst.Status)
	restoreAlphaOnlyGraphSpec(&dst.Spec, restored)
	restoreAlphaOnlyGraphStatus(&dst.Status, restoredStatus)

	if !isZeroSemantic(specSave) {
		payload, err := encodeSpecPayload(specSave, nil)
		if err != nil {
			return fmt.Errorf("keeping the v1beta1-only fields of DynamoGraphDeployment %s: %w", src.Name, err)
		}
		setAnnotation(dst, dgdSpecAnnotation, payload)
	}
	return nil
}

// graphSpecToHub converts a graph spec from v1alpha1 to v1beta1. writtenInAlpha tells that no
// hub payload came with the object (see sharedSpecToHubOptions.saveMainContainerOrigins).
func graphSpecToHub(src *DynamoGraphDeploymentSpec, dst *nvidiav1beta1.DynamoGraphDeploymentSpec,
	restored *nvidiav1beta1.DynamoGraphDeploymentSpec, save *DynamoGraphDeploymentSpec, writtenInAlpha bool) error {
	dst.Annotations = src.Annotations
	dst.Labels = src.Labels
	dst.PriorityClassName = src.PriorityClassName
	dst.BackendFramework = src.BackendFramework
	dst.Placement = src.Placement.DeepCopy()
	if src.ProviderOverride != nil {
		dst.ProviderOverride = &nvidiav1beta1.ProviderOverride{}
		providerOverrideToHub(src.ProviderOverride, dst.ProviderOverride)
	}
	if src.Restart != nil {
		dst.Restart = &nvidiav1beta1.Restart{}
		restartToHub(src.Restart, dst.Restart)
	}
	if tc := src.TopologyConstraint; tc != nil {
		// v1alpha1's topologyProfile is v1beta1's clusterTopologyName.
		dst.TopologyConstraint = &nvidiav1beta1.SpecTopologyConstraint{
			ClusterTopologyName: tc.TopologyProfile,
			PackDomain:          nvidiav1beta1.TopologyDomain(tc.PackDomain),
		}
	}
	if src.Experimental != nil {
		dst.Experimental = &nvidiav1beta1.DynamoGraphDeploymentExperimentalSpec{}
		graphExperimentalToHub(src.Experimental, dst.Experimental)
	}
	dst.Env = src.Envs

	// v1beta1 has no pvcs: the claims must exist, and pods mount them through their pod
	// templates. They are kept in the payload.
	if len(src.PVCs) > 0 {
		save.PVCs = slices.Clone(src.PVCs)
	}
	// dynamoGraph, a field of early Dynamo that Flotilla still accepts, is kept likewise.
	save.DynamoGraph = src.DynamoGraph

	if len(src.Services) == 0 {
		return nil
	}
	restoredComponents := componentsByName(restored)
	dst.Components = make([]nvidiav1beta1.DynamoComponentDeploymentSharedSpec, 0, len(src.Services))
	for _, name := range serviceOrder(src.Services, restored) {
		service := src.Services[name]
		if service == nil {
			// A null service has no v1beta1 form; the payload remembers it.
			ensureSavedServices(save)[name] = nil
			continue
		}
		restoredComponent := restoredComponents[name]
		var component nvidiav1beta1.DynamoComponentDeploymentSharedSpec
		var componentSave DynamoComponentDeploymentSharedSpec
		opts := sharedSpecToHubOptions{
			saveMainContainerOrigins: writtenInAlpha,
			hubHadPodTemplate:        restoredComponent != nil && restoredComponent.PodTemplate != nil,
		}
		if err := sharedSpecToHub(service, &component, restoredComponent, &componentSave, opts); err != nil {
			return fmt.Errorf("service %q: %w", name, err)
		}
		// The services key is the component's name; serviceName is dead in a v1alpha1 graph
		// (Dynamo names the component after the key) and only kept for the way back. Upstream
		// keeps it only when it differs from the key, and so drops one equal to it.
		component.ComponentName = name
		if service.ServiceName != "" {
			componentSave.ServiceName = service.ServiceName
		}
		if !isZeroSemantic(componentSave) {
			ensureSavedServices(save)[name] = &componentSave
		}
		dst.Components = append(dst.Components, component)
	}
	return nil
}

func ensureSavedServices(save *DynamoGraphDeploymentSpec) map[string]*DynamoComponentDeploymentSharedSpec {
	if save.Services == nil {
		save.Services = map[string]*DynamoComponentDeploymentSharedSpec{}
	}
	return save.Services
}

// componentsByName indexes the components of a hub payload by name.
func componentsByName(spec *nvidiav1beta1.DynamoGraphDeploymentSpec) map[string]*nvidiav1beta1.DynamoComponentDeploymentSharedSpec {
	if spec == nil || len(spec.Components) == 0 {
		return nil
	}
	out := make(map[string]*nvidiav1beta1.DynamoComponentDeploymentSharedSpec, len(spec.Components))
	for i := range spec.Components {
		out[spec.Components[i].ComponentName] = &spec.Components[i]
	}
	return out
}

// serviceOrder lists the services keys in the order their components take in v1beta1: sorted
// by name, unless the hub payload recorded an unsorted order, in which case the services it
// names come first in that order and new ones follow, sorted.
func serviceOrder(services map[string]*DynamoComponentDeploymentSharedSpec, restored *nvidiav1beta1.DynamoGraphDeploymentSpec) []string {
	names := make([]string, 0, len(services))
	for name := range services {
		names = append(names, name)
	}
	sort.Strings(names)
	if restored == nil || componentsSorted(restored.Components) {
		return names
	}
	ordered := make([]string, 0, len(names))
	for _, c := range restored.Components {
		if _, ok := services[c.ComponentName]; ok && !slices.Contains(ordered, c.ComponentName) {
			ordered = append(ordered, c.ComponentName)
		}
	}
	for _, name := range names {
		if !slices.Contains(ordered, name) {
			ordered = append(ordered, name)
		}
	}
	return ordered
}

// componentsSorted reports whether components are sorted by name, the order v1alpha1's map
// gives back without help.
func componentsSorted(components []nvidiav1beta1.DynamoComponentDeploymentSharedSpec) bool {
	for i := 1; i < len(components); i++ {
		if components[i-1].ComponentName > components[i].ComponentName {
			return false
		}
	}
	return true
}

// graphSpecFromHub converts a graph spec from v1beta1 to v1alpha1. writtenInHub tells that no
// alpha payload came with the object: a component's pod template is then always recorded in
// the payload, so that the template is rebuilt on the way back even if v1alpha1 has nothing
// that asks for one.
func graphSpecFromHub(src *nvidiav1beta1.DynamoGraphDeploymentSpec, dst *DynamoGraphDeploymentSpec,
	restored *DynamoGraphDeploymentSpec, save *nvidiav1beta1.DynamoGraphDeploymentSpec, writtenInHub bool) error {
	dst.Annotations = src.Annotations
	dst.Labels = src.Labels
	dst.PriorityClassName = src.PriorityClassName
	dst.BackendFramework = src.BackendFramework
	dst.Placement = src.Placement.DeepCopy()
	if src.ProviderOverride != nil {
		dst.ProviderOverride = &ProviderOverride{}
		providerOverrideFromHub(src.ProviderOverride, dst.ProviderOverride)
	}
	if src.Restart != nil {
		dst.Restart = &Restart{}
		restartFromHub(src.Restart, dst.Restart)
	}
	if tc := src.TopologyConstraint; tc != nil {
		dst.TopologyConstraint = &SpecTopologyConstraint{
			TopologyProfile: tc.ClusterTopologyName,
			PackDomain:      TopologyDomain(tc.PackDomain),
		}
	}
	if src.Experimental != nil {
		dst.Experimental = &DynamoGraphDeploymentExperimentalSpec{}
		graphExperimentalFromHub(src.Experimental, dst.Experimental)
	}
	dst.Envs = src.Env

	if len(src.Components) == 0 {
		return nil
	}
	// A map cannot keep the order of the list: an unsorted order is recorded, by listing every
	// component in the payload.
	keepOrder := !componentsSorted(src.Components)
	dst.Services = make(map[string]*DynamoComponentDeploymentSharedSpec, len(src.Components))
	for i := range src.Components {
		component := &src.Components[i]
		name := component.ComponentName
		// The API server enforces unique names, but conversions are also reached from code that
		// bypasses validation: refuse rather than silently drop a component.
		if _, dup := dst.Services[name]; dup {
			return fmt.Errorf("duplicate component name %q in spec.components", name)
		}
		var restoredService *DynamoComponentDeploymentSharedSpec
		if restored != nil {
			restoredService = restored.Services[name]
		}
		service := &DynamoComponentDeploymentSharedSpec{}
		componentSave := nvidiav1beta1.DynamoComponentDeploymentSharedSpec{ComponentName: name}
		if err := sharedSpecFromHub(component, service, restoredService, &componentSave); err != nil {
			return fmt.Errorf("component %q: %w", name, err)
		}
		// The services key carries the name; serviceName stays empty unless the payload shows
		// v1alpha1 had another value there (restoreAlphaOnlyGraphSpec).
		service.ServiceName = ""
		dst.Services[name] = service
		if keepOrder || !hubComponentSaveIsEmpty(&componentSave) || (writtenInHub && component.PodTemplate != nil) {
			save.Components = append(save.Components, componentSave)
		}
	}
	return nil
}

// hubComponentSaveIsEmpty reports whether a component's hub payload holds nothing but its name,
// the key it is matched by.
func hubComponentSaveIsEmpty(save *nvidiav1beta1.DynamoComponentDeploymentSharedSpec) bool {
	cp := *save
	cp.ComponentName = ""
	return isZeroSemantic(cp)
}

// restoreAlphaOnlyGraphSpec puts back the graph-level v1alpha1 fields kept in the payload: pvcs
// (unless the live object has some), dynamoGraph, null services, and serviceName values.
func restoreAlphaOnlyGraphSpec(dst *DynamoGraphDeploymentSpec, saved *DynamoGraphDeploymentSpec) {
	if saved == nil {
		return
	}
	if len(dst.PVCs) == 0 {
		dst.PVCs = slices.Clone(saved.PVCs)
	}
	if dst.DynamoGraph == "" {
		dst.DynamoGraph = saved.DynamoGraph
	}
	for name, service := range saved.Services {
		if service != nil {
			continue
		}
		if dst.Services == nil {
			dst.Services = map[string]*DynamoComponentDeploymentSharedSpec{}
		}
		if _, ok := dst.Services[name]; !ok {
			dst.Services[name] = nil
		}
	}
	for name, service := range dst.Services {
		savedService := saved.Services[name]
		if service == nil || savedService == nil {
			continue
		}
		if service.ServiceName == "" && savedService.ServiceName != "" {
			service.ServiceName = savedService.ServiceName
		}
	}
}

func restartToHub(src *Restart, dst *nvidiav1beta1.Restart) {
	*dst = nvidiav1beta1.Restart{ID: src.ID}
	if s := src.Strategy; s != nil {
		dst.Strategy = &nvidiav1beta1.RestartStrategy{Type: nvidiav1beta1.RestartStrategyType(s.Type), Order: slices.Clone(s.Order)}
	}
}

func restartFromHub(src *nvidiav1beta1.Restart, dst *Restart) {
	*dst = Restart{ID: src.ID}
	if s := src.Strategy; s != nil {
		dst.Strategy = &RestartStrategy{Type: RestartStrategyType(s.Type), Order: slices.Clone(s.Order)}
	}
}

// graphExperimentalToHub converts the graph's experimental block. A component group's disabled
// scaling adapter becomes absent: v1beta1 marks an enabled adapter by its presence, and this
// one loss is by design, as upstream has it.
func graphExperimentalToHub(src *DynamoGraphDeploymentExperimentalSpec, dst *nvidiav1beta1.DynamoGraphDeploymentExperimentalSpec) {
	*dst = nvidiav1beta1.DynamoGraphDeploymentExperimentalSpec{}
	if p := src.KvTransferPolicy; p != nil {
		dst.KvTransferPolicy = &nvidiav1beta1.KvTransferPolicy{
			ClusterTopologyName: p.ClusterTopologyName,
			LabelKey:            p.LabelKey,
			Domain:              nvidiav1beta1.TopologyDomain(p.Domain),
			Enforcement:         nvidiav1beta1.KvTransferEnforcement(p.Enforcement),
			PreferredWeight:     copyPtr(p.PreferredWeight),
		}
	}
	if src.ComponentGroups != nil {
		dst.ComponentGroups = make([]nvidiav1beta1.ComponentGroupSpec, len(src.ComponentGroups))
		for i, g := range src.ComponentGroups {
			out := &dst.ComponentGroups[i]
			out.Name = g.Name
			out.Replicas = g.Replicas
			if g.ScalingAdapter != nil && g.ScalingAdapter.Enabled {
				out.ScalingAdapter = &nvidiav1beta1.ScalingAdapter{}
			}
			if g.Components != nil {
				out.Components = make([]nvidiav1beta1.ComponentGroupComponentSpec, len(g.Components))
				for j, c := range g.Components {
					out.Components[j] = nvidiav1beta1.ComponentGroupComponentSpec{Name: c.Name}
				}
			}
		}
	}
}

func graphExperimentalFromHub(src *nvidiav1beta1.DynamoGraphDeploymentExperimentalSpec, dst *DynamoGraphDeploymentExperimentalSpec) {
	if p := src.KvTransferPolicy; p != nil {
		dst.KvTransferPolicy = &KvTransferPolicy{
			ClusterTopologyName: p.ClusterTopologyName,
			LabelKey:            p.LabelKey,
			Domain:              TopologyDomain(p.Domain),
			Enforcement:         KvTransferEnforcement(p.Enforcement),
			PreferredWeight:     copyPtr(p.PreferredWeight),
		}
	}
	if src.ComponentGroups != nil {
		dst.ComponentGroups = make([]ComponentGroupSpec, len(src.ComponentGroups))
		for i, g := range src.ComponentGroups {
			out := &dst.ComponentGroups[i]
			out.Name = g.Name
			out.Replicas = g.Replicas
			if g.ScalingAdapter != nil {
				out.ScalingAdapter = &ScalingAdapter{Enabled: true}
			}
			if g.Components != nil {
				out.Components = make([]ComponentGroupComponentSpec, len(g.Components))
				for j, c := range g.Components {
					out.Components[j] = ComponentGroupComponentSpec{Name: c.Name}
				}
			}
		}
	}
}

// Status.

// graphStatusToHub converts a graph status from v1alpha1 to v1beta1: services become
// components and the rolling update's updatedServices its updatedComponents.
func graphStatusToHub(src *DynamoGraphDeploymentStatus, dst *nvidiav1beta1.DynamoGraphDeploymentStatus) {
	dst.ObservedGeneration = src.ObservedGeneration
	dst.State = nvidiav1beta1.DGDState(src.State)
	dst.ClusterPlacement = src.ClusterPlacement.DeepCopy()
	if p := src.Placement; p != nil {
		dst.Placement = &nvidiav1beta1.PlacementStatus{State: nvidiav1beta1.PlacementScoreState(p.State), Score: copyPtr(p.Score)}
	}
	dst.Conditions = cloneConditions(src.Conditions)
	if len(src.Services) > 0 {
		dst.Components = make(map[string]nvidiav1beta1.ComponentReplicaStatus, len(src.Services))
		for name, s := range src.Services {
			var c nvidiav1beta1.ComponentReplicaStatus
			replicaStatusToHub(&s, &c)
			dst.Components[name] = c
		}
	}
	if r := src.Restart; r != nil {
		dst.Restart = &nvidiav1beta1.RestartStatus{ObservedID: r.ObservedID, Phase: nvidiav1beta1.RestartPhase(r.Phase), InProgress: slices.Clone(r.InProgress)}
	}
	if len(src.Checkpoints) > 0 {
		dst.Checkpoints = make(map[string]nvidiav1beta1.ComponentCheckpointStatus, len(src.Checkpoints))
		for name, c := range src.Checkpoints {
			dst.Checkpoints[name] = nvidiav1beta1.ComponentCheckpointStatus{
				CheckpointName: c.CheckpointName, CheckpointID: c.CheckpointID, IdentityHash: c.IdentityHash, Ready: c.Ready,
			}
		}
	}
	if u := src.RollingUpdate; u != nil {
		dst.RollingUpdate = &nvidiav1beta1.RollingUpdateStatus{
			Phase:             nvidiav1beta1.RollingUpdatePhase(u.Phase),
			StartTime:         u.StartTime.DeepCopy(),
			EndTime:           u.EndTime.DeepCopy(),
			UpdatedComponents: slices.Clone(u.UpdatedServices),
		}
	}
}

// graphStatusFromHub is the inverse of graphStatusToHub.
func graphStatusFromHub(src *nvidiav1beta1.DynamoGraphDeploymentStatus, dst *DynamoGraphDeploymentStatus) {
	dst.ObservedGeneration = src.ObservedGeneration
	dst.State = string(src.State)
	dst.ClusterPlacement = src.ClusterPlacement.DeepCopy()
	if p := src.Placement; p != nil {
		dst.Placement = &PlacementStatus{State: PlacementScoreState(p.State), Score: copyPtr(p.Score)}
	}
	dst.Conditions = cloneConditions(src.Conditions)
	if len(src.Components) > 0 {
		dst.Services = make(map[string]ServiceReplicaStatus, len(src.Components))
		for name, c := range src.Components {
			var s ServiceReplicaStatus
			replicaStatusFromHub(&c, &s)
			dst.Services[name] = s
		}
	}
	if r := src.Restart; r != nil {
		dst.Restart = &RestartStatus{ObservedID: r.ObservedID, Phase: RestartPhase(r.Phase), InProgress: slices.Clone(r.InProgress)}
	}
	if len(src.Checkpoints) > 0 {
		dst.Checkpoints = make(map[string]ServiceCheckpointStatus, len(src.Checkpoints))
		for name, c := range src.Checkpoints {
			dst.Checkpoints[name] = ServiceCheckpointStatus{
				CheckpointName: c.CheckpointName, CheckpointID: c.CheckpointID, IdentityHash: c.IdentityHash, Ready: c.Ready,
			}
		}
	}
	if u := src.RollingUpdate; u != nil {
		dst.RollingUpdate = &RollingUpdateStatus{
			Phase:           RollingUpdatePhase(u.Phase),
			StartTime:       u.StartTime.DeepCopy(),
			EndTime:         u.EndTime.DeepCopy(),
			UpdatedServices: slices.Clone(u.UpdatedComponents),
		}
	}
}

func cloneConditions(conditions []metav1.Condition) []metav1.Condition {
	if len(conditions) == 0 {
		return nil
	}
	out := make([]metav1.Condition, len(conditions))
	for i := range conditions {
		conditions[i].DeepCopyInto(&out[i])
	}
	return out
}

// replicaStatusToHub converts one service's replica status. v1alpha1's componentName (the
// newest workload's name) is the last of v1beta1's componentNames; alone, it becomes the only
// entry.
func replicaStatusToHub(src *ServiceReplicaStatus, dst *nvidiav1beta1.ComponentReplicaStatus) {
	*dst = nvidiav1beta1.ComponentReplicaStatus{
		ComponentKind:     nvidiav1beta1.ComponentKind(src.ComponentKind),
		ComponentNames:    componentNamesToHub(src),
		RuntimeNamespace:  src.RuntimeNamespace,
		GPUsPerEngine:     copyPtr(src.GPUsPerEngine),
		GPUsPerReplica:    copyPtr(src.GPUsPerReplica),
		Replicas:          src.Replicas,
		UpdatedReplicas:   src.UpdatedReplicas,
		ReadyReplicas:     copyPtr(src.ReadyReplicas),
		AvailableReplicas: copyPtr(src.AvailableReplicas),
		ScheduledReplicas: copyPtr(src.ScheduledReplicas),
	}
}

func replicaStatusFromHub(src *nvidiav1beta1.ComponentReplicaStatus, dst *ServiceReplicaStatus) {
	*dst = ServiceReplicaStatus{
		ComponentKind:     ComponentKind(src.ComponentKind),
		ComponentNames:    slices.Clone(src.ComponentNames),
		RuntimeNamespace:  src.RuntimeNamespace,
		GPUsPerEngine:     copyPtr(src.GPUsPerEngine),
		GPUsPerReplica:    copyPtr(src.GPUsPerReplica),
		Replicas:          src.Replicas,
		UpdatedReplicas:   src.UpdatedReplicas,
		ReadyReplicas:     copyPtr(src.ReadyReplicas),
		AvailableReplicas: copyPtr(src.AvailableReplicas),
		ScheduledReplicas: copyPtr(src.ScheduledReplicas),
	}
	if n := len(src.ComponentNames); n > 0 {
		dst.ComponentName = src.ComponentNames[n-1]
	}
}

func componentNamesToHub(src *ServiceReplicaStatus) []string {
	names := slices.Clone(src.ComponentNames)
	if len(names) == 0 && src.ComponentName != "" {
		names = []string{src.ComponentName}
	}
	return names
}

// componentNameIsExtra reports whether a v1alpha1 replica status's componentName is not what
// v1beta1's componentNames give back, so that it must be kept in the status payload.
func componentNameIsExtra(s *ServiceReplicaStatus) bool {
	if s == nil {
		return false
	}
	if len(s.ComponentNames) == 0 {
		return s.ComponentName != ""
	}
	return s.ComponentNames[len(s.ComponentNames)-1] != s.ComponentName
}

// savedComponentNameApplies reports whether a componentName kept in the status payload still
// belongs with the live v1beta1 componentNames.
func savedComponentNameApplies(live, saved *ServiceReplicaStatus) bool {
	if live == nil || !componentNameIsExtra(saved) {
		return false
	}
	if slices.Equal(live.ComponentNames, componentNamesToHub(saved)) {
		return true
	}
	return saved.ComponentName != "" && len(saved.ComponentNames) == 0 && len(live.ComponentNames) == 0
}

// alphaOnlyGraphStatus returns the part of a v1alpha1 graph status that v1beta1 cannot hold:
// componentName values that do not follow from componentNames.
func alphaOnlyGraphStatus(src *DynamoGraphDeploymentStatus) DynamoGraphDeploymentStatus {
	var save DynamoGraphDeploymentStatus
	for name, s := range src.Services {
		if !componentNameIsExtra(&s) {
			continue
		}
		if save.Services == nil {
			save.Services = map[string]ServiceReplicaStatus{}
		}
		save.Services[name] = ServiceReplicaStatus{ComponentName: s.ComponentName, ComponentNames: slices.Clone(s.ComponentNames)}
	}
	return save
}

// restoreAlphaOnlyGraphStatus puts back the componentName values kept in the status payload.
func restoreAlphaOnlyGraphStatus(dst *DynamoGraphDeploymentStatus, saved *DynamoGraphDeploymentStatus) {
	if saved == nil {
		return
	}
	for name, live := range dst.Services {
		s, ok := saved.Services[name]
		if !ok || !savedComponentNameApplies(&live, &s) {
			continue
		}
		live.ComponentName = s.ComponentName
		live.ComponentNames = slices.Clone(s.ComponentNames)
		dst.Services[name] = live
	}
}
