//go:build gcs

package blobs

import _ "gocloud.dev/blob/gcsblob" // gs:// buckets (the Google Cloud SDK): only with -tags gcs

func init() { schemes = append(schemes, "gs") }
