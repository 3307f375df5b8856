//go:build s3

package blobs

import _ "gocloud.dev/blob/s3blob" // s3:// buckets (the AWS SDK): only with -tags s3

func init() { schemes = append(schemes, "s3") }
