package db

import (
	"context"

	"github.com/uptrace/bun"
)

// SendInTx lets tests hold a send's transaction open.
func (s *Store) SendInTx(ctx context.Context, tx bun.Tx, v Viewer, in SendInput) (*Message, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	msg, _, err := s.sendTx(ctx, tx, v, in)
	return msg, err
}
