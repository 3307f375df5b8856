// Package deploy holds what runs Parley elsewhere: compose.yaml's nginx and Prometheus
// configuration (compose/) and the Kubernetes manifests (k8s/). Its test checks compose.yaml
// offline, without Docker: the services and their order, and that the load balancer and
// Prometheus name exactly the replicas.
package deploy

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/parley/parley/server"
)

type composeFile struct {
	Services map[string]struct {
		Image       string            `json:"image"`
		Command     []string          `json:"command"`
		Environment map[string]string `json:"environment"`
		DependsOn   any               `json:"depends_on"`
		Profiles    []string          `json:"profiles"`
	} `json:"services"`
}

func TestComposeStartsReplicasBehindTheBalancer(t *testing.T) {
	b, err := os.ReadFile("../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil { // anchors and merge keys resolved
		t.Fatal(err)
	}
	var replicas []string
	for name, s := range c.Services {
		if slices.Equal(s.Command, []string{"serve", "--migrate=false"}) {
			replicas = append(replicas, name)
			deps, _ := s.DependsOn.(map[string]any)
			if m, _ := deps["migrate"].(map[string]any); m["condition"] != "service_completed_successfully" {
				t.Errorf("%s starts before the migration has finished: %v", name, s.DependsOn)
			}
		}
		var keys []string
		for k := range s.Environment {
			keys = append(keys, k+"=x")
		}
		if w := server.UnknownEnv(keys); len(w) > 0 {
			t.Errorf("%s sets variables Parley does not read: %s", name, strings.Join(w, "; "))
		}
	}
	slices.Sort(replicas)
	if len(replicas) < 2 {
		t.Fatalf("want two or more replicas, got %q", replicas)
	}
	if m := c.Services["migrate"]; !slices.Equal(m.Command, []string{"migrate", "up"}) || m.Image != c.Services[replicas[0]].Image {
		t.Errorf("the migrate service runs %q on %s: want migrate up on the replicas' image", m.Command, m.Image)
	}
	for file, pattern := range map[string]string{"compose/nginx.conf": `server (parley-\d+):8080`, "compose/prometheus.yml": `"(parley-\d+):9090"`} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var named []string
		for _, m := range regexp.MustCompile(pattern).FindAllStringSubmatch(string(b), -1) {
			named = append(named, m[1])
		}
		slices.Sort(named)
		if !slices.Equal(named, replicas) {
			t.Errorf("%s names %q: want the replicas %q", file, named, replicas)
		}
	}
	conf, _ := os.ReadFile("compose/nginx.conf")
	for _, want := range []string{"proxy_set_header Upgrade $http_upgrade", "proxy_set_header Connection $connection_upgrade", "proxy_http_version 1.1"} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("nginx.conf lacks %q: WebSockets would not upgrade", want)
		}
	}
}

// The replicas' settings, with compose's ${VAR:-default}s as given, start Parley: in
// production mode every setting a refused fallback would stand in for is there.
func TestComposeSettingsPassTheConfiguration(t *testing.T) {
	b, err := os.ReadFile("../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	dflt := regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`)
	for k, v := range c.Services["parley-1"].Environment {
		t.Setenv(k, dflt.ReplaceAllString(v, "$1"))
	}
	if _, err := server.ConfigFromEnv(); err != nil {
		t.Fatalf("parley-1 would not start:\n%v", err)
	}
}
