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
	res, err := send(ctx, tx, v, in)
	if err != nil {
		return nil, err
	}
	return res.Message, nil
}
