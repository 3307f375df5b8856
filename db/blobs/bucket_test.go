package blobs

import (
	"slices"
	"strings"
	"testing"
)

// The default build opens file:// only and names the build tag an s3:// or gs:// URL needs;
// a build with -tags s3,gcs opens those too.
func TestCheckURLNamesTheMissingBuildTag(t *testing.T) {
	if err := CheckURL("file:///srv/parley/files"); err != nil {
		t.Fatalf("file://: %v", err)
	}
	for scheme, tag := range map[string]string{"s3": "s3", "gs": "gcs"} {
		err := CheckURL(scheme + "://bucket")
		if slices.Contains(Schemes(), scheme) {
			if err != nil {
				t.Errorf("%s:// in a build that has it: %v", scheme, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), "-tags "+tag) {
			t.Errorf("%s:// without its driver: %v, want the build tag named", scheme, err)
		}
	}
	if err := CheckURL("ftp://files.example.no"); err == nil {
		t.Error("ftp:// was accepted")
	}
}
