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

package component

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flotilla-dev/flotilla/agent/workload/launch"
	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// LabelManagedBy marks the objects the agent creates outside of a DCD's own workload.
const LabelManagedBy = "app.kubernetes.io/managed-by"

// managedByAgent is the value of LabelManagedBy on them.
const managedByAgent = "flotilla-agent"

// The agent only ever creates the SSH key Secret: it never reads, lists, watches, changes nor
// deletes Secrets.
// +kubebuilder:rbac:groups="",resources=secrets,verbs=create

// ensureSSHKeySecret creates, in the DCD's namespace, the Secret named name holding a new SSH key
// pair, unless it exists, as Dynamo's operator does for multinode graphs. The Secret is shared by
// every component of the namespace and owned by none, so it outlives them: pods being recreated
// keep finding it. An existing Secret is used as it is. Since the agent may not read Secrets, it
// learns that one exists from the apiserver refusing to create it again, and remembers that per
// namespace, so a key pair is generated at most once per namespace and agent process.
func (r *Reconciler) ensureSSHKeySecret(ctx context.Context, dcd *nvidiav1beta1.DynamoComponentDeployment, name string) error {
	key := types.NamespacedName{Namespace: dcd.Namespace, Name: name}
	if _, ok := r.sshKeySecrets.Load(key); ok {
		return nil
	}
	data, err := launch.GenerateSSHKeyPair()
	if err != nil {
		return fmt.Errorf("generating the SSH key pair of Secret %s: %w", name, err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: dcd.Namespace,
			Labels:    map[string]string{LabelManagedBy: managedByAgent},
		},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}
	err = r.Client.Create(ctx, secret, client.FieldOwner(FieldOwner))
	switch {
	case apierrors.IsAlreadyExists(err):
	case err != nil:
		return fmt.Errorf("creating the SSH key Secret %s: %w", name, err)
	default:
		r.Recorder.Eventf(dcd, secret, corev1.EventTypeNormal, "CreatedSecret", actionCreate,
			"Created Secret %s with the SSH key pair mpirun uses between the pods of a multinode replica", name)
	}
	r.sshKeySecrets.Store(key, true)
	return nil
}
