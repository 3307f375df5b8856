// Package db owns Parley's storage: bun models (one file per table), the embedded SQL
// migrations and the Store, whose methods take the viewer and filter by it, and the domain's
// sentinel errors (ErrNotFound, ErrConflict, FieldError...). It imports bun, the standard
// library and, of Parley's, only i18n (the texts of the notification rows a send writes);
// db/live, db/blobs, db/pgembed and db/dbtest sit on it.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"
)

// Sentinel errors; callers wrap them with %w and the API layers map them to codes.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrInvalidInput = errors.New("invalid input")
	ErrForbidden    = errors.New("forbidden")
)

// Invalid reports a client mistake in one field.
func Invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Rule reports a well-formed request that breaks a rule (REST answers it with 422).
func Rule(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...), Rule: true}
}

// FieldError is an ErrInvalidInput that names the offending field.
type FieldError struct {
	Field string
	Msg   string
	// Rule is set for a valid request that breaks a rule, as opposed to a malformed one.
	Rule bool
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalidInput) hold.
func (e *FieldError) Unwrap() error { return ErrInvalidInput }

// Open connects to PostgreSQL at dsn and checks the connection.
func Open(ctx context.Context, dsn string) (*bun.DB, error) {
	return OpenPool(ctx, dsn, DefaultPool())
}

// Pool sizes a connection pool.
type Pool struct {
	MaxOpen     int           // connections at most, busy or idle
	MaxIdle     int           // idle connections kept
	MaxLifetime time.Duration // a connection is replaced after this (0: never)
}

// DefaultPool suits one replica on two cores: its in-flight limit (16 requests) plus the live
// hub, the webhook worker and LISTEN fit in 32 with room for bursts, and three replicas stay
// under PostgreSQL's default max_connections of 100. Connections are renewed every 30
// minutes, so a replica follows a failover or a pooler's rebalancing.
func DefaultPool() Pool { return Pool{MaxOpen: 32, MaxIdle: 16, MaxLifetime: 30 * time.Minute} }

// OpenPool is Open with a pool of the given size.
func OpenPool(ctx context.Context, dsn string, p Pool) (*bun.DB, error) {
	sqldb := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn)))
	sqldb.SetMaxOpenConns(p.MaxOpen)
	sqldb.SetMaxIdleConns(p.MaxIdle)
	sqldb.SetConnMaxLifetime(p.MaxLifetime)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	bdb := bun.NewDB(sqldb, pgdialect.New())
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := bdb.PingContext(pingCtx); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return bdb, nil
}

// Store is the one door to the data. Every method that reads or writes a user's data takes
// the Viewer and filters by it.
type Store struct {
	DB *bun.DB
	// SearchRareMatches overrides rareMatches (db/message_search.go) when not zero; tests set
	// it below zero to take the thread walk on a small database.
	SearchRareMatches float64
	// ReplayWalkIDs overrides replayWalkIDs (db/live_replay.go) when not zero; tests set it
	// below zero to read a small database's replays conversation by conversation.
	ReplayWalkIDs int64
	// EraseBatch is how many messages one step of an erasure blanks (0: 200); tests make it
	// small to erase over several steps.
	EraseBatch int
	// eraseSweepHook runs before an erasure's second round (tests).
	eraseSweepHook func()
	wakes          *notifier  // sends' wake-ups, sent off the send path
	sends          *sendQueue // sends waiting for a group commit (nil: each alone)
}

// NewStore wraps an open database.
func NewStore(bdb *bun.DB) *Store {
	return &Store{DB: bdb, wakes: newNotifier(bdb), sends: newSendQueue()}
}

func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.DB.RunInTx(ctx, nil, fn)
}

func isUniqueViolation(err error) bool {
	var pgErr pgdriver.Error
	return errors.As(err, &pgErr) && pgErr.Field('C') == "23505"
}

// clientIDConstraint is the unique (sender_user_id, client_message_id) of messages.
const clientIDConstraint = "messages_sender_user_id_client_message_id_key"

// isClientIDTaken reports a send that lost the race for its clientMessageId to a concurrent one.
func isClientIDTaken(err error) bool {
	var pgErr pgdriver.Error
	return errors.As(err, &pgErr) && pgErr.Field('C') == "23505" && pgErr.Field('n') == clientIDConstraint
}

// isDeadlock reports a statement PostgreSQL chose to fail to break a deadlock.
func isDeadlock(err error) bool {
	var pgErr pgdriver.Error
	return errors.As(err, &pgErr) && pgErr.Field('C') == "40P01"
}

// pgArray passes a Go slice as a PostgreSQL array parameter.
func pgArray(v any) any { return pgdialect.Array(v) }
