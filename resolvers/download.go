package resolvers

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/parley/parley/db"
)

// Download is an attachment its caller may fetch: a stored file to stream (Body), or a link to
// follow (URL, Body nil).
type Download struct {
	Name        string
	ContentType string
	Size        int64
	URL         string
	Body        io.ReadCloser
}

// OpenAttachment opens attachment id for a participant of its thread; for anyone else it is
// not found. The caller closes Body.
func (r *Resolver) OpenAttachment(ctx context.Context, id string) (*Download, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return nil, db.Invalid("id", "is not an attachment id")
	}
	att, err := r.Store.Attachment(ctx, v, n)
	if err != nil {
		return nil, err
	}
	if att.StorageKey == "" {
		return &Download{Name: att.Name, URL: att.URL}, nil
	}
	f, err := r.Files.Open(ctx, att.StorageKey)
	if err != nil {
		return nil, fmt.Errorf("open attachment: %w", err)
	}
	return &Download{Name: att.Name, ContentType: att.ContentType, Size: att.SizeBytes, Body: f}, nil
}
