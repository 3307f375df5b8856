// Package k8s holds Parley's Kubernetes manifests; its test checks them offline (no cluster,
// no schema download): each document decodes strictly into the k8s.io/api type of its kind (an
// unknown or misspelt field fails), and the parts agree with each other and with Parley.
package k8s

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/parley/parley/server"
)

// kinds maps apiVersion/kind to a new value of its type.
var kinds = map[string]func() any{
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                              func() any { return &corev1.Secret{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"batch/v1/Job":                           func() any { return &batchv1.Job{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
}

type kustomization struct {
	APIVersion string              `json:"apiVersion"`
	Kind       string              `json:"kind"`
	Labels     []map[string]any    `json:"labels"`
	Resources  []string            `json:"resources"`
	Images     []map[string]string `json:"images"`
}

// strict decodes YAML into v, refusing unknown fields.
func strict(t *testing.T, name string, doc []byte, v any) {
	t.Helper()
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// load decodes every manifest of kustomization.yaml and secret.example.yaml by kind.
func load(t *testing.T) map[string]any {
	b, err := os.ReadFile("kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	strict(t, "kustomization.yaml", b, &k)
	out := map[string]any{}
	for _, file := range append(k.Resources, "secret.example.yaml") {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range bytes.Split(b, []byte("\n---")) {
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			newObj, ok := kinds[tm.APIVersion+"/"+tm.Kind]
			if !ok {
				t.Fatalf("%s: unexpected %s %s", file, tm.APIVersion, tm.Kind)
			}
			obj := newObj()
			strict(t, file, doc, obj)
			out[tm.Kind] = obj
		}
	}
	if len(out) != len(kinds) {
		t.Fatalf("want one of each kind %v, got %d", kinds, len(out))
	}
	return out
}

func TestManifestsDecodeStrictlyAndAgree(t *testing.T) {
	m := load(t)
	dep := m["Deployment"].(*appsv1.Deployment)
	cfg := m["ConfigMap"].(*corev1.ConfigMap)
	secret := m["Secret"].(*corev1.Secret)
	pod := dep.Spec.Template
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]

	// Probes on the admin listener, whose port is PARLEY_ADMIN_ADDR's.
	adminPort := int32(0)
	for _, p := range c.Ports {
		if p.Name == "admin" {
			adminPort = p.ContainerPort
		}
	}
	if adminPort == 0 || cfg.Data["PARLEY_ADMIN_ADDR"] != ":"+strconv.Itoa(int(adminPort)) {
		t.Errorf("admin port %d, PARLEY_ADMIN_ADDR %q: want the same", adminPort, cfg.Data["PARLEY_ADMIN_ADDR"])
	}
	for name, probe := range map[string]struct {
		p    *corev1.Probe
		path string
	}{"readiness": {c.ReadinessProbe, "/readyz"}, "liveness": {c.LivenessProbe, "/healthz"}} {
		if probe.p == nil || probe.p.HTTPGet == nil || probe.p.HTTPGet.Path != probe.path || probe.p.HTTPGet.Port.String() != "admin" {
			t.Errorf("%s probe %+v: want GET %s on the admin port", name, probe.p, probe.path)
		}
	}
	if !slices.Equal(c.Args, []string{"serve", "--migrate=false"}) {
		t.Errorf("replicas run %q: want serve --migrate=false (the Job migrates)", c.Args)
	}
	if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		pod.Spec.SecurityContext == nil || pod.Spec.SecurityContext.RunAsNonRoot == nil || !*pod.Spec.SecurityContext.RunAsNonRoot {
		t.Error("the container must run as non-root on a read-only root filesystem")
	}

	// The Job migrates with the replicas' image and settings.
	job := m["Job"].(*batchv1.Job)
	jc := job.Spec.Template.Spec.Containers[0]
	if !slices.Equal(jc.Args, []string{"migrate", "up"}) || jc.Image != c.Image || !reflect.DeepEqual(jc.EnvFrom, c.EnvFrom) {
		t.Errorf("migration job runs %q on %s with %v: want migrate up on %s with the Deployment's settings", jc.Args, jc.Image, jc.EnvFrom, c.Image)
	}
	for _, ref := range c.EnvFrom {
		if ref.ConfigMapRef != nil && ref.ConfigMapRef.Name != cfg.Name || ref.SecretRef != nil && ref.SecretRef.Name != secret.Name {
			t.Errorf("envFrom %+v names no manifest here", ref)
		}
	}

	// Selectors find the Deployment's pods; the HPA scales it on CPU.
	labels := pod.Labels
	selects := func(what string, sel map[string]string) {
		if len(sel) == 0 {
			t.Errorf("%s selects nothing", what)
		}
		for k, v := range sel {
			if labels[k] != v {
				t.Errorf("%s selects %s=%s, which the pods lack", what, k, v)
			}
		}
	}
	selects("the Deployment", dep.Spec.Selector.MatchLabels)
	selects("the Service", m["Service"].(*corev1.Service).Spec.Selector)
	selects("the PodDisruptionBudget", m["PodDisruptionBudget"].(*policyv1.PodDisruptionBudget).Spec.Selector.MatchLabels)
	hpa := m["HorizontalPodAutoscaler"].(*autoscalingv2.HorizontalPodAutoscaler)
	if hpa.Spec.ScaleTargetRef.Kind != "Deployment" || hpa.Spec.ScaleTargetRef.Name != dep.Name ||
		len(hpa.Spec.Metrics) == 0 || hpa.Spec.Metrics[0].Resource == nil || hpa.Spec.Metrics[0].Resource.Name != corev1.ResourceCPU {
		t.Errorf("HPA %+v: want CPU on Deployment %s", hpa.Spec, dep.Name)
	}
	if _, ok := c.Resources.Requests[corev1.ResourceCPU]; !ok {
		t.Error("an HPA on CPU utilisation needs a CPU request")
	}

	// Every variable the manifests set is one Parley reads.
	var keys []string
	for k := range cfg.Data {
		keys = append(keys, k+"=x")
	}
	for k := range secret.StringData {
		keys = append(keys, k+"=x")
	}
	if w := server.UnknownEnv(keys); len(w) > 0 {
		t.Errorf("the manifests set variables Parley does not read: %s", strings.Join(w, "; "))
	}
}
