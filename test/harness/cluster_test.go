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

package harness_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/flotilla-dev/flotilla/test/testenv"
)

var _ = Describe("A local cluster with fake GPU nodes", Ordered, func() {
	const (
		ns         = metav1.NamespaceDefault
		deployment = "gpu-workload"
		replicas   = 3
	)
	var (
		cluster  *testenv.Cluster
		cs       kubernetes.Interface
		started  time.Time
		gpuNodes = []testenv.GPUNodeSpec{
			{Name: "kwok-h100-0", Product: "NVIDIA-H100-80GB-HBM3", GPUs: 8},
			{Name: "kwok-a100-0", Product: "NVIDIA-A100-SXM4-80GB", GPUs: 4},
		}
	)

	BeforeAll(func(ctx SpecContext) {
		By("building the control-plane binaries, or reusing the cached ones")
		binStart := time.Now()
		dir, err := testenv.EnsureBinaries(ctx)
		Expect(err).NotTo(HaveOccurred())
		GinkgoWriter.Printf("binaries in %s (ready after %s)\n", dir, time.Since(binStart).Round(time.Millisecond))

		By("starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok")
		started = time.Now()
		cluster, err = testenv.StartCluster(ctx, testenv.Options{Name: "harness", Logf: GinkgoWriter.Printf})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(cluster.Stop) // a no-op if the last spec already stopped it
		AddReportEntry("cluster start", time.Since(started).Round(time.Millisecond).String())
		cs, err = kubernetes.NewForConfig(cluster.RESTConfig())
		Expect(err).NotTo(HaveOccurred())
	}, NodeTimeout(30*time.Minute)) // a cold binary build takes about ten minutes

	It("registers fake GPU nodes that kwok makes Ready with their GPU capacity", func(ctx SpecContext) {
		By("adding an 8-GPU H100 node and a 4-GPU A100 node")
		Expect(cluster.AddGPUNodes(ctx, gpuNodes)).To(Succeed())

		By("reading the nodes back: labels, taint and allocatable GPUs survive kwok's initialisation")
		for _, spec := range gpuNodes {
			n, err := cs.CoreV1().Nodes().Get(ctx, spec.Name, metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(n.Labels).To(HaveKeyWithValue(testenv.LabelGPUProduct, spec.Product))
			Expect(n.Labels).To(HaveKeyWithValue(testenv.LabelGPUCount, strconv.Itoa(spec.GPUs)))
			Expect(n.Annotations).To(HaveKeyWithValue(testenv.KwokNodeAnnotation, "fake"))
			Expect(n.Spec.Taints).To(ContainElement(testenv.KwokTaint()))
			gpus := n.Status.Allocatable[testenv.ResourceGPU]
			Expect(gpus.Value()).To(BeEquivalentTo(spec.GPUs))
		}
	}, SpecTimeout(2*time.Minute))

	It("runs every replica of a one-GPU Deployment on the fake GPU nodes", func(ctx SpecContext) {
		By(fmt.Sprintf("creating a Deployment of %d replicas, each asking for one nvidia.com/gpu", replicas))
		labels := map[string]string{"app": deployment}
		_, err := cs.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: deployment, Labels: labels},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](replicas),
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       gpuPodSpec(1),
				},
			},
		}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())

		By("waiting until every replica is Running on one of the fake GPU nodes")
		nodeNames := []string{gpuNodes[0].Name, gpuNodes[1].Name}
		Eventually(func(g Gomega) {
			pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + deployment})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(pods.Items).To(HaveLen(replicas))
			for _, p := range pods.Items {
				g.Expect(nodeNames).To(ContainElement(p.Spec.NodeName), "pod %s is on node %q", p.Name, p.Spec.NodeName)
				g.Expect(p.Status.Phase).To(Equal(corev1.PodRunning), "pod %s", p.Name)
			}
		}).WithContext(ctx).WithTimeout(time.Minute).WithPolling(100 * time.Millisecond).Should(Succeed())

		By("waiting until the Deployment reports all replicas available")
		Eventually(func(g Gomega) {
			d, err := cs.AppsV1().Deployments(ns).Get(ctx, deployment, metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(d.Status.AvailableReplicas).To(BeEquivalentTo(replicas))
		}).WithContext(ctx).WithTimeout(time.Minute).WithPolling(100 * time.Millisecond).Should(Succeed())

		elapsed := time.Since(started).Round(time.Millisecond)
		GinkgoWriter.Printf("cluster start to %d GPU pods Running and Deployment available: %s\n", replicas, elapsed)
		AddReportEntry("cluster start to GPU pods Running", elapsed.String())
	}, SpecTimeout(2*time.Minute))

	It("leaves a pod asking for more GPUs than any node has Pending as unschedulable", func(ctx SpecContext) {
		By("creating a pod that asks for 16 GPUs (the largest node has 8)")
		const name = "too-many-gpus"
		_, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       gpuPodSpec(16),
		}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())

		By("waiting for the scheduler to report FailedScheduling with Insufficient nvidia.com/gpu")
		Eventually(func(g Gomega) {
			p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(p.Status.Phase).To(Equal(corev1.PodPending))
			g.Expect(p.Spec.NodeName).To(BeEmpty())
			g.Expect(p.Status.Conditions).To(ContainElement(And(
				HaveField("Type", corev1.PodScheduled),
				HaveField("Status", corev1.ConditionFalse),
				HaveField("Reason", corev1.PodReasonUnschedulable),
				HaveField("Message", ContainSubstring("Insufficient nvidia.com/gpu")),
			)))
			events, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{
				FieldSelector: fields.OneTermEqualSelector("involvedObject.name", name).String(),
			})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(events.Items).To(ContainElement(And(
				HaveField("Reason", "FailedScheduling"),
				HaveField("Message", ContainSubstring("Insufficient nvidia.com/gpu")),
			)))
		}).WithContext(ctx).WithTimeout(time.Minute).WithPolling(100 * time.Millisecond).Should(Succeed())

		By("checking it stays unscheduled")
		Consistently(func(g Gomega) {
			p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(p.Spec.NodeName).To(BeEmpty())
			g.Expect(p.Status.Phase).To(Equal(corev1.PodPending))
		}).WithContext(ctx).WithTimeout(2 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
	}, SpecTimeout(2*time.Minute))

	It("stops every process of the cluster and removes its directory", func() {
		pids := cluster.PIDs()
		Expect(pids).To(HaveLen(5))
		Expect(slices.Sorted(maps.Keys(pids))).To(Equal([]string{
			"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}))
		for name, pid := range pids {
			Expect(processGone(pid)).To(BeFalse(), "%s (pid %d) is not running before Stop", name, pid)
		}

		By("stopping the cluster")
		stopStart := time.Now()
		Expect(cluster.Stop()).To(Succeed())
		elapsed := time.Since(stopStart).Round(time.Millisecond)
		GinkgoWriter.Printf("cluster stopped in %s\n", elapsed)
		AddReportEntry("cluster stop", elapsed.String())

		By("checking that no process of the cluster is left")
		for name, pid := range pids {
			Expect(processGone(pid)).To(BeTrue(), "%s (pid %d) still running after Stop", name, pid)
		}
		_, err := os.Stat(cluster.Dir())
		Expect(os.IsNotExist(err)).To(BeTrue(), "cluster directory %s still exists", cluster.Dir())
		Expect(cluster.Stop()).To(Succeed(), "Stop is idempotent")
	})
})

// gpuPodSpec is a pod asking for gpus nvidia.com/gpu that tolerates the fake nodes' taint.
// Nothing runs in it: kwok only fakes its status.
func gpuPodSpec(gpus int64) corev1.PodSpec {
	return corev1.PodSpec{
		Tolerations: []corev1.Toleration{testenv.KwokToleration()},
		Containers: []corev1.Container{{
			Name:  "cuda",
			Image: "nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04",
			Resources: corev1.ResourceRequirements{
				Limits: corev1.ResourceList{testenv.ResourceGPU: *resource.NewQuantity(gpus, resource.DecimalSI)},
			},
		}},
	}
}

// processGone reports whether pid no longer runs: kill(pid, 0) fails with ESRCH, or the
// process is a zombie waiting to be reaped.
func processGone(pid int) bool {
	err := syscall.Kill(pid, 0)
	if errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, readErr := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if readErr != nil {
		return os.IsNotExist(readErr)
	}
	// /proc/<pid>/stat is "pid (comm) state ..."; comm may contain spaces and parentheses.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z'
	}
	return false
}
