// Package blobs keeps attachment bytes in a gocloud.dev bucket.
// It imports gocloud.dev and nothing of Parley's.
//
// The default build keeps blobs in a local folder (file://) only: the S3 and GCS drivers bring
// the AWS and Google Cloud SDKs, which doubled the binary, so they are compiled in by build tags
// (`go build -tags s3,gcs`; s3.go, gcs.go). Schemes() says which this binary has.
package blobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// buckets: a local folder
	"gocloud.dev/gcerrors"
)

// schemes are the URL schemes this binary opens; s3.go and gcs.go add theirs under their tags.
var schemes = []string{"file"}

// buildTag names the build tag that compiles in a scheme's driver.
var buildTag = map[string]string{"s3": "s3", "gs": "gcs"}

// Schemes lists the URL schemes this binary can open, file first.
func Schemes() []string { return slices.Clone(schemes) }

// CheckURL tells whether rawURL names a bucket this binary can open, without opening it.
func CheckURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if slices.Contains(schemes, u.Scheme) {
		return nil
	}
	if tag, ok := buildTag[u.Scheme]; ok {
		return fmt.Errorf("%s:// buckets need a binary built with -tags %s (this one opens %s://)", u.Scheme, tag, strings.Join(schemes, "://, "))
	}
	return fmt.Errorf("unknown scheme %q: want %s://", u.Scheme, strings.Join(schemes, "://, "))
}

// Bucket keeps blobs in a gocloud.dev bucket: a local folder, S3 or GCS, by URL.
type Bucket struct{ b *blob.Bucket }

// Open opens the bucket at rawURL (file:///path, s3://name?region=..., gs://name). A file
// URL's folder is created if missing.
func Open(ctx context.Context, rawURL string) (*Bucket, error) {
	if err := CheckURL(rawURL); err != nil {
		return nil, fmt.Errorf("blob URL: %w", err)
	}
	u, _ := url.Parse(rawURL)
	if u.Scheme == "file" {
		if err := os.MkdirAll(u.Path, 0o750); err != nil {
			return nil, fmt.Errorf("blob folder: %w", err)
		}
	}
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("open blob bucket: %w", err)
	}
	return &Bucket{b: b}, nil
}

// FolderURL is the file:// URL of a local folder.
func FolderURL(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), nil
}

// Put writes r under key; readers never see half a blob.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader) error {
	w, err := b.b.NewWriter(ctx, key, nil)
	if err != nil {
		return fmt.Errorf("write blob: %w", err)
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return fmt.Errorf("write blob: %w", err)
	}
	return w.Close()
}

// Open reads the blob under key.
func (b *Bucket) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return b.b.NewReader(ctx, key, nil)
}

// Delete removes the blob under key; a missing blob is not an error.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	err := b.b.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return err
	}
	return nil
}

// Close releases the bucket.
func (b *Bucket) Close() error { return b.b.Close() }

// ErrMissing reports whether err is a missing blob.
func ErrMissing(err error) bool {
	return err != nil && (gcerrors.Code(err) == gcerrors.NotFound || errors.Is(err, os.ErrNotExist))
}
