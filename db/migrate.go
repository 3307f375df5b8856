package db

import (
	"context"
	"embed"
	"fmt"
	"io"
	"log/slog"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// MigrationFiles are the embedded SQL migrations, for callers that fingerprint them.
func MigrationFiles() embed.FS { return migrationFiles }

// Migrations are the embedded SQL migrations, in bun's form.
func Migrations() (*migrate.Migrations, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrationFiles); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	return ms, nil
}

// migrationLockKey serialises migrators of several replicas starting at once.
const migrationLockKey = 7346110001

// Migrate runs "up", "down" (the last group) or "status", writing a line per migration to out.
func Migrate(ctx context.Context, bdb *bun.DB, direction string, out io.Writer) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	m := migrate.NewMigrator(bdb, ms)
	conn, err := bdb.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrationLockKey); err != nil {
			slog.Warn("release the migration lock", "err", err)
		}
	}()
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("init migrations: %w", err)
	}
	switch direction {
	case "up":
		group, err := m.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrate up: %w", err)
		}
		fmt.Fprintf(out, "applied %d migration(s)\n", len(group.Migrations))
	case "down":
		group, err := m.Rollback(ctx)
		if err != nil {
			return fmt.Errorf("migrate down: %w", err)
		}
		fmt.Fprintf(out, "rolled back %d migration(s)\n", len(group.Migrations))
	case "status":
		all, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return err
		}
		for _, mg := range all {
			state := "pending"
			if mg.IsApplied() {
				state = "applied"
			}
			fmt.Fprintf(out, "%s\t%s\n", mg.Name+"_"+mg.Comment, state)
		}
	default:
		return fmt.Errorf("unknown migrate direction %q (up, down, status)", direction)
	}
	return nil
}
