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

package webhookcert_test

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/conversion"
)

// The test-only kind Widget (testdata/crds): v1, stored and the conversion hub, has spec.size;
// v2 renames it spec.replicas.
var (
	widgetV1 = schema.GroupVersion{Group: "test.flotilla.dev", Version: "v1"}
	widgetV2 = schema.GroupVersion{Group: "test.flotilla.dev", Version: "v2"}
)

// addWidgets adds both versions of Widget to scheme.
func addWidgets(scheme *runtime.Scheme) error {
	scheme.AddKnownTypeWithName(widgetV1.WithKind("Widget"), &WidgetV1{})
	scheme.AddKnownTypeWithName(widgetV2.WithKind("Widget"), &WidgetV2{})
	metav1.AddToGroupVersion(scheme, widgetV1)
	metav1.AddToGroupVersion(scheme, widgetV2)
	return nil
}

// WidgetV1 is a test.flotilla.dev/v1 Widget.
type WidgetV1 struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              WidgetV1Spec `json:"spec,omitempty"`
}

// WidgetV1Spec is the spec of a v1 Widget.
type WidgetV1Spec struct {
	Size int32 `json:"size,omitempty"`
}

// DeepCopyObject implements runtime.Object.
func (w *WidgetV1) DeepCopyObject() runtime.Object {
	c := *w
	w.DeepCopyInto(&c.ObjectMeta)
	return &c
}

// Hub makes v1 the version others convert through.
func (*WidgetV1) Hub() {}

// WidgetV2 is a test.flotilla.dev/v2 Widget.
type WidgetV2 struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              WidgetV2Spec `json:"spec,omitempty"`
}

// WidgetV2Spec is the spec of a v2 Widget.
type WidgetV2Spec struct {
	Replicas int32 `json:"replicas,omitempty"`
}

// DeepCopyObject implements runtime.Object.
func (w *WidgetV2) DeepCopyObject() runtime.Object {
	c := *w
	w.DeepCopyInto(&c.ObjectMeta)
	return &c
}

// ConvertTo converts w to the hub, v1.
func (w *WidgetV2) ConvertTo(hub conversion.Hub) error {
	v1 := hub.(*WidgetV1)
	w.DeepCopyInto(&v1.ObjectMeta)
	v1.Spec.Size = w.Spec.Replicas
	return nil
}

// ConvertFrom converts the hub, v1, to w.
func (w *WidgetV2) ConvertFrom(hub conversion.Hub) error {
	v1 := hub.(*WidgetV1)
	v1.DeepCopyInto(&w.ObjectMeta)
	w.Spec.Replicas = v1.Spec.Size
	return nil
}
