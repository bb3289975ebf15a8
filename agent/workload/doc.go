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

// Package workload builds the Kubernetes objects that run one DynamoComponentDeployment (DCD) on a
// member cluster, the way Dynamo's single-cluster DCD controller builds them: a Deployment (or, for
// a multinode component, one StatefulSet and one headless Service per replica), a Service for
// frontends and an Ingress when the component asks for one.
//
// Everything here is a pure function of the DCD and a small Options value: no client, no clock, no
// randomness, and no map iteration order leaks into the output, so building the same DCD twice
// gives deep-equal objects. Objects are returned fully specified for server-side apply (TypeMeta
// set, only the fields the agent owns) and without owner references, which the controller sets.
// Every object carries the label nvidia.com/selector=<dcd name>, so the controller can list what a
// DCD may own with one selector and delete what Result no longer names.
//
// # One shape: v1beta1
//
// Build takes a nvidia.com/v1beta1 DCD, the conversion hub. A DCD written in v1alpha1 is converted
// first (ConvertTo, as the agent's controller does in memory), so every feature works alike for
// DCDs written in either version. The pod is built the way Dynamo's v1beta1 operator builds it:
//
//   - spec.podTemplate is the base. Dynamo's pod defaults (grace period, restart policy, service
//     account) fill only the pod fields it leaves unset.
//   - Dynamo's defaults for the component type are merged into the container named main, by
//     name: base ports, environment and probes (the user's win, env and ports by name), the
//     command defaults of frontends, the compilation cache mount (spec.compilationCache, with
//     VLLM_CACHE_ROOT pointing at it for vLLM, its default path included), the /dev/shm volume (spec.sharedMemorySize: unset 8Gi, "0" none), and a persistent volume
//     claim for every volume main mounts that the template does not define.
//   - Other containers are the user's sidecars, kept as written, except the one
//     spec.frontendSidecar names, into which a frontend's defaults are merged.
//   - A component naming its model (spec.modelRef) labels its pods and workload with the
//     model's hash and gets the headless model Service Dynamo creates (Result.ModelService),
//     which it shares with the namespace's other components serving that model.
//
// The v1alpha1 fields v1beta1 has no place for and that the builder honours (ingress,
// dynamoNamespace, the component's labels and annotations, the deprecated pvc and autoscaling,
// a subComponentType, compilation caches after the first, resource quantities that do not parse
// and that the conversion therefore left out) are read from the payload the conversion keeps in
// the nvidia.com/dcd-spec annotation (nvidiav1alpha1.PreservedDCDSpec). A disaggregated worker
// converted from v1alpha1 keeps its v1alpha1 labels (component type worker, sub-component type
// prefill or decode), as upstream keeps them for converted DCDs; one written in v1beta1 is
// labelled with its type.
// Errors name the v1beta1 field (FieldError.Field) and, for a DCD converted from v1alpha1, the
// v1alpha1 field(s) it came from (FieldError.V1alpha1Field).
//
// # Multinode components
//
// Dynamo runs a multinode component (multinode.nodeCount >= 2) as a LeaderWorkerSet, or as a
// Grove PodCliqueSet. With Options.MultinodeRuntime RuntimeLeaderWorkerSet (the agent picks it
// where the member serves leaderworkerset.x-k8s.io/v1), the builder returns the LeaderWorkerSet
// Dynamo builds: <dcd>-0, spec.replicas groups of nodeCount pods, leader and worker templates
// labelled role=leader and role=worker, startupPolicy LeaderCreated, the component's labels and
// no annotations (buildLeaderWorkerSet).
// Otherwise it lays out each replica i the way LeaderWorkerSet lays out one group, with built-in
// StatefulSets:
//
//   - a leader StatefulSet <dcd>-<i> of one pod (<dcd>-<i>-0), a worker StatefulSet <dcd>-<i>-0
//     of nodeCount-1 pods numbered from 1 (<dcd>-<i>-0-1, ...), and a headless Service <dcd>-<i>
//     publishing not-ready addresses, so every pod has the host name LeaderWorkerSet would give
//     it (<pod>.<dcd>-<i>.<namespace>) before it is ready;
//   - every pod gets LeaderWorkerSet's variables with the same values (LWS_LEADER_ADDRESS,
//     LWS_GROUP_SIZE, LWS_WORKER_INDEX: 0 for the leader, the ordinal for workers), and the
//     agent's older names of them (LEADER_HOST, fully qualified, NODE_COUNT, NODE_RANK);
//   - pods carry role=leader or role=worker, as Dynamo labels its LeaderWorkerSet pods, and a
//     frontend's Service selects leaders only;
//   - both StatefulSets start their pods in parallel, and a required pod anti-affinity on
//     kubernetes.io/hostname among the pods of one replica puts each on its own node.
//
// The leader's and the workers' main containers are then rewritten as Dynamo's backends rewrite
// them for LeaderWorkerSet (package launch): vLLM's ray or multiprocessing launch and data
// parallel flags, SGLang's --dist-init-addr, --nnodes and --node-rank, TensorRT-LLM's mpirun
// from the leader over SSH to sshd on the workers, with the key pair in the Secret
// Result.SSHKeySecret names; the workers lose the probes Dynamo removes from them. Because the
// variables and host names are LeaderWorkerSet's, the rewriting is the same on both paths.
//
// Without gang scheduling, a replica whose nodes cannot all be placed keeps its placed pods
// pending the others; the hub only places a component on a member with nodeCount fitting nodes.
//
// # Deviations from upstream
//
// The golden files in testdata/golden (TestGoldenObjects) were checked against upstream's
// expectations; each names the sources and tests. Besides those of package launch (see its
// doc), these differences are kept on purpose:
//
//   - No DYN_DISCOVERY_BACKEND: upstream's getCommonContainer sets it to "kubernetes" unless the
//     discovery backend (operator config, or the nvidia.com/dynamo-discovery-backend annotation)
//     is etcd, and with Kubernetes discovery gives pods without a service account the graph's
//     discovery service account, and with the container discovery mode CONTAINER_NAME and
//     DYN_KUBE_DISCOVERY_MODE. That discovery needs the service account, RBAC and custom
//     resources Dynamo's operator provides on its cluster, which the agent does not create; the
//     member's discovery plane is configured through Options.Env (--workload-env), and pods run
//     under Options.ServiceAccountName.
//   - Worker health defaults of the runtime before 1.4.0 always: upstream's WorkerDefaults gate
//     on the runtime version (spec.runtimeVersionOverride or the image tag) and, from 1.4.0, set
//     DYN_HEALTH_CHECK_ENABLED=true and a liveness failureThreshold of 3. The builder renders
//     DYN_HEALTH_CHECK_ENABLED=false and failureThreshold 1, upstream's values for older or
//     unknown runtimes; a DCD can set both in its pod template.
//   - No image pull secrets are discovered (upstream adds the namespace's docker secrets
//     matching the image's registry): the builder reads no cluster state. The pod template's own
//     imagePullSecrets are kept.
//   - The LeaderWorkerSet sets the fields LeaderWorkerSet's defaulting webhook would set
//     (restartPolicy, rolloutStrategy, networkConfig.subdomainPolicy) to those defaults, where
//     upstream leaves them to the webhook (see buildLeaderWorkerSet).
//   - The LeaderWorkerSet's pods of one group (one replica) must run on separate nodes (a required
//     pod anti-affinity keyed on the group's leaderworkerset.sigs.k8s.io/group-key label), as the
//     StatefulSet path's pods and as placement counts them (nodeCount nodes per replica); upstream
//     adds none, so smaller pods of one engine could share a node (see addGroupAntiAffinity).
package workload
