package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
)

// StartResult is a conversation found or created, and the first message if one was sent.
type StartResult struct {
	Thread  *Thread
	Message *Message
	Created bool
}

// StartListingConversation opens (or finds) the viewer's conversation with the seller of a
// listing, optionally sending a first message in the same transaction.
func (s *Store) StartListingConversation(ctx context.Context, v Viewer, listingID string, first *SendInput) (*StartResult, error) {
	if v.Kind() != KindListing {
		return nil, fmt.Errorf("only buyers and sellers talk about listings: %w", ErrForbidden)
	}
	if first != nil {
		if err := first.Validate(); err != nil {
			return nil, err
		}
	}
	res := &StartResult{}
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var sellerID string
		err := tx.NewSelect().Table("listings").Column("seller_id").Where("id = ?", listingID).Scan(ctx, &sellerID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("listing: %w", ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("load listing: %w", err)
		}
		if sellerID == v.UserID {
			return Rule("listingId", "this is your own listing")
		}
		conv := &Conversation{Kind: KindListing, ListingID: &listingID, BuyerID: &v.UserID}
		if res.Created, err = ensureConversation(ctx, tx, conv, "listing_id = ? AND buyer_id = ?", listingID, v.UserID); err != nil {
			return err
		}
		if res.Created {
			err = setParticipants(ctx, tx, conv.ID, map[string]string{v.UserID: RoleBuyer, sellerID: RoleSeller})
			if err == nil {
				err = conversationCreatedWebhook(ctx, tx, conv.ID)
			}
		} else {
			// Starting again revives a conversation the buyer had deleted (its old messages stay hidden).
			_, err = tx.NewUpdate().Table("participants").Set("deleted_at = NULL").
				Where("conversation_id = ? AND party_id = ?", conv.ID, v.UserID).Exec(ctx)
		}
		if err != nil {
			return err
		}
		return s.sendFirst(ctx, tx, v, conv.ID, first, res)
	})
	if err != nil {
		return nil, err
	}
	return s.finishStart(ctx, v, res)
}

// StartBookingConversation finds the thread of a booking the viewer is party to (booking
// threads are created with their booking), optionally sending a first message.
func (s *Store) StartBookingConversation(ctx context.Context, v Viewer, bookingID int64, first *SendInput) (*StartResult, error) {
	if v.Kind() != KindBooking {
		return nil, fmt.Errorf("only car owners and workshops talk about bookings: %w", ErrForbidden)
	}
	if first != nil {
		if err := first.Validate(); err != nil {
			return nil, err
		}
	}
	t, err := s.ThreadByBooking(ctx, v, bookingID)
	if err != nil {
		return nil, err
	}
	res := &StartResult{}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.sendFirst(ctx, tx, v, t.ID, first, res)
	})
	if err != nil {
		return nil, err
	}
	res.Thread = t
	return s.finishStart(ctx, v, res)
}

func (s *Store) sendFirst(ctx context.Context, tx bun.Tx, v Viewer, conversationID int64, first *SendInput, res *StartResult) error {
	res.Thread = &Thread{Conversation: Conversation{ID: conversationID}}
	if first == nil {
		return nil
	}
	first.ConversationID = conversationID
	sent, err := send(ctx, tx, v, *first)
	if err != nil {
		return sendError(err)
	}
	res.Message = sent.res.Message
	return sent.wake(ctx, tx) // a start is rare: its wake-up commits with it
}

func (s *Store) finishStart(ctx context.Context, v Viewer, res *StartResult) (*StartResult, error) {
	t, err := s.Thread(ctx, v, res.Thread.ID)
	if err != nil {
		return nil, err
	}
	res.Thread = t
	return res, nil
}
