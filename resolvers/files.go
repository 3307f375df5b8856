package resolvers

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/db"
	"github.com/parley/parley/graph"
)

// FileStore keeps attachment bytes.
type FileStore interface {
	Put(ctx context.Context, key string, r io.Reader) error
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
}

// Upload limits.
const (
	DefaultMaxUploadBytes = 10 << 20
	MaxAttachments        = 10
)

// officeTypes are the office documents allowed, by file extension.
var officeTypes = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".doc":  "application/msword",
	".xls":  "application/vnd.ms-excel",
}

// allowedType accepts images, PDF and office documents, by sniffed content and file name.
func allowedType(sniffed, name string) (string, bool) {
	base, _, _ := mime.ParseMediaType(sniffed)
	switch {
	case strings.HasPrefix(base, "image/"), base == "application/pdf":
		return base, true
	}
	if ct, ok := officeTypes[strings.ToLower(filepath.Ext(name))]; ok && (base == "application/zip" || base == "application/octet-stream") {
		return ct, true
	}
	return base, false
}

// declaredType is the type of a file given by URL, which Parley never reads: the declared
// content type, else the one its name's extension implies; the same kinds as uploads are allowed.
func declaredType(declared, name string) (string, bool) {
	base, _, _ := mime.ParseMediaType(declared)
	if base == "" {
		ext := strings.ToLower(filepath.Ext(name))
		if ct, ok := officeTypes[ext]; ok {
			return ct, true
		}
		base, _, _ = mime.ParseMediaType(mime.TypeByExtension(ext))
	}
	if strings.HasPrefix(base, "image/") || base == "application/pdf" {
		return base, true
	}
	for _, ct := range officeTypes {
		if base == ct {
			return base, true
		}
	}
	return base, false
}

// pendingFiles are checked uploads held in memory until the send is known to be valid.
type pendingFiles struct {
	atts   []*db.Attachment
	bodies [][]byte
}

// checkUploads reads and checks every attachment against the limits, storing nothing.
func (r *Resolver) checkUploads(in []*graph.AttachmentInput) (*pendingFiles, error) {
	if len(in) > MaxAttachments {
		return nil, db.Invalid("attachments", "at most %d attachments", MaxAttachments)
	}
	p := &pendingFiles{}
	for i, a := range in {
		att, body, err := r.checkAttachment(fmt.Sprintf("attachments[%d]", i), a)
		if err != nil {
			return nil, err
		}
		p.atts, p.bodies = append(p.atts, att), append(p.bodies, body)
	}
	return p, nil
}

// store writes the uploaded bytes. The returned cleanup removes them again, for a send that
// fails or turns out to be a retry.
func (r *Resolver) storeFiles(ctx context.Context, p *pendingFiles) (func(), error) {
	var stored []string
	cleanup := func() {
		for _, k := range stored {
			_ = r.Files.Delete(context.WithoutCancel(ctx), k)
		}
	}
	for i, att := range p.atts {
		if p.bodies[i] == nil {
			continue
		}
		if err := r.Files.Put(ctx, att.StorageKey, bytes.NewReader(p.bodies[i])); err != nil {
			cleanup()
			return nil, fmt.Errorf("store attachment: %w", err)
		}
		stored = append(stored, att.StorageKey)
	}
	return cleanup, nil
}

func (r *Resolver) checkAttachment(field string, a *graph.AttachmentInput) (*db.Attachment, []byte, error) {
	if a.File == nil {
		return describedAttachment(field, a)
	}
	return r.uploadedAttachment(field, a.File)
}

func describedAttachment(field string, a *graph.AttachmentInput) (*db.Attachment, []byte, error) {
	if a.URL == nil || !(strings.HasPrefix(*a.URL, "https://") || strings.HasPrefix(*a.URL, "http://")) {
		return nil, nil, db.Invalid(field, "needs a file upload or an http(s) url")
	}
	att := &db.Attachment{URL: *a.URL, Name: filepath.Base(*a.URL)}
	if a.Name != nil && *a.Name != "" {
		att.Name = *a.Name
	}
	ct, ok := declaredType(deref(a.ContentType), att.Name)
	if !ok {
		if ct == "" {
			ct = "of no known type"
		}
		return nil, nil, fmt.Errorf("%s: %q is %s; images, PDF and office documents are allowed: %w", field, att.Name, ct, apierror.ErrUnsupportedType)
	}
	att.ContentType = ct
	if a.Size != nil {
		if *a.Size < 0 {
			return nil, nil, db.Invalid(field, "size must not be negative")
		}
		att.SizeBytes = int64(*a.Size)
	}
	return att, nil, nil
}

func (r *Resolver) uploadedAttachment(field string, up *graphql.Upload) (*db.Attachment, []byte, error) {
	limit := r.MaxUpload()
	body, err := io.ReadAll(io.LimitReader(up.File, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read upload: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, nil, fmt.Errorf("%s: %q is larger than %d bytes: %w", field, up.Filename, limit, apierror.ErrTooLarge)
	}
	if len(body) == 0 {
		return nil, nil, db.Invalid(field, "%q is empty", up.Filename)
	}
	ct, ok := allowedType(http.DetectContentType(body), up.Filename)
	if !ok {
		return nil, nil, fmt.Errorf("%s: %q is %s; images, PDF and office documents are allowed: %w", field, up.Filename, ct, apierror.ErrUnsupportedType)
	}
	sum := sha256.Sum256(body)
	return &db.Attachment{
		Name: filepath.Base(up.Filename), ContentType: ct, SizeBytes: int64(len(body)),
		SHA256: hex.EncodeToString(sum[:]), StorageKey: newBlobKey(),
	}, body, nil
}

// MaxUpload is the largest file one attachment may be.
func (r *Resolver) MaxUpload() int64 {
	if r.MaxUploadBytes > 0 {
		return r.MaxUploadBytes
	}
	return DefaultMaxUploadBytes
}

func newBlobKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:2] + "/" + h
}
