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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	nvidiav1beta1 "github.com/flotilla-dev/flotilla/api/nvidia/v1beta1"
)

// probeKind names one of a container's probes.
type probeKind string

const (
	livenessProbe  probeKind = "livenessProbe"
	readinessProbe probeKind = "readinessProbe"
	startupProbe   probeKind = "startupProbe"
)

// probes are a container's three probes.
type probes map[probeKind]*corev1.Probe

// defaultProbes returns Dynamo's probes for a container running componentType (the main
// container, or a frontend sidecar). The workers of a multinode replica get them too, and lose
// them to the launch rewriting (package launch), as in Dynamo.
//
// As in Dynamo's component defaults: frontends are probed on the HTTP port, liveness /live and
// readiness /health. Workers (worker, prefill, decode) and planners are probed on the system
// port: liveness /live, readiness /health, and a startup probe on /live allowing two hours
// (720 x 10s) to load a model or, for a planner, to wait for its workers. Other component types
// have no default probes.
func defaultProbes(componentType string) probes {
	switch {
	case componentType == string(nvidiav1beta1.ComponentTypeFrontend):
		return probes{
			livenessProbe: httpProbe("/live", HTTPPortName, corev1.Probe{
				InitialDelaySeconds: 15, PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3,
			}),
			readinessProbe: httpProbe("/health", HTTPPortName, corev1.Probe{
				InitialDelaySeconds: 10, PeriodSeconds: 10, TimeoutSeconds: 3, FailureThreshold: 3,
			}),
		}
	case isWorkerType(componentType) || componentType == string(nvidiav1beta1.ComponentTypePlanner):
		return probes{
			livenessProbe: httpProbe("/live", SystemPortName, corev1.Probe{
				PeriodSeconds: 5, TimeoutSeconds: 4, FailureThreshold: 1,
			}),
			readinessProbe: httpProbe("/health", SystemPortName, corev1.Probe{
				PeriodSeconds: 10, TimeoutSeconds: 4, FailureThreshold: 3,
			}),
			startupProbe: httpProbe("/live", SystemPortName, corev1.Probe{
				PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: 720,
			}),
		}
	}
	return probes{}
}

// httpProbe returns timings with an HTTP GET handler on path and the named port.
func httpProbe(path, port string, timings corev1.Probe) *corev1.Probe {
	p := timings
	p.HTTPGet = &corev1.HTTPGetAction{Path: path, Port: intstr.FromString(port), Scheme: corev1.URISchemeHTTP}
	return &p
}

// containerProbes returns a container's probes: the defaults, each replaced whole by the one
// the user's container gives (the container at path, for errors). A probe given without a
// handler (upstream graphs set only initialDelaySeconds, say) takes the default probe's handler,
// and its timings over the default's; without a default it is an error naming the field.
func containerProbes(defaults probes, user *corev1.Container, path string) (probes, error) {
	result := probes{}
	for k, p := range defaults {
		result[k] = p.DeepCopy()
	}
	given := probes{livenessProbe: user.LivenessProbe, readinessProbe: user.ReadinessProbe, startupProbe: user.StartupProbe}
	for _, k := range []probeKind{livenessProbe, readinessProbe, startupProbe} {
		if err := overrideProbe(result, defaults, k, given[k], fieldPath(path, string(k))); err != nil {
			return nil, err
		}
	}
	return result, nil
}

// overrideProbe sets result[k] to the given probe (from the field at path), completed with the
// default's handler if it has none. A nil probe leaves result[k] alone.
func overrideProbe(result, defaults probes, k probeKind, given *corev1.Probe, path string) error {
	if given == nil {
		return nil
	}
	if hasHandler(given) {
		result[k] = given.DeepCopy()
		return nil
	}
	def := defaults[k]
	if def == nil {
		return fieldErrorf(path, "probe has no handler (exec, httpGet, tcpSocket or grpc) and this component type has no default %s to take one from", k)
	}
	p := def.DeepCopy()
	overrideNonZero(p, given.DeepCopy(), "ProbeHandler")
	result[k] = p
	return nil
}

// hasHandler reports whether p says how to probe.
func hasHandler(p *corev1.Probe) bool {
	h := p.ProbeHandler
	return h.Exec != nil || h.HTTPGet != nil || h.TCPSocket != nil || h.GRPC != nil
}
