package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/server"
)

func migrate(ctx context.Context, cfg server.Config, args []string) error {
	dir := "up"
	if len(args) > 0 {
		dir = args[0]
	}
	database, err := server.OpenDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer database.Close()
	return db.Migrate(ctx, database.DB, dir, os.Stdout)
}

func token(cfg server.Config, args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	sub := fs.String("sub", "", "user id (required)")
	role := fs.String("role", "", "car_owner, workshop, buyer or seller (required)")
	orgNr := fs.String("org-nr", "", "organisation number (required for workshop)")
	name := fs.String("name", "", "display name")
	ttl := fs.Duration("ttl", 24*time.Hour, "lifetime")
	if err := fs.Parse(args); err != nil {
		return err
	}
	v := db.Viewer{UserID: *sub, Role: *role, OrgNr: *orgNr, Name: *name}
	switch {
	case v.UserID == "":
		return fmt.Errorf("--sub is required")
	case !db.ValidRole(v.Role):
		return fmt.Errorf("--role must be car_owner, workshop, buyer or seller")
	case v.Role == db.RoleWorkshop && !db.ValidOrgNr(v.OrgNr):
		return fmt.Errorf("--org-nr must be a valid organisation number for a workshop")
	case *ttl <= 0:
		return fmt.Errorf("--ttl must be positive")
	case cfg.JWTMaxTTL > 0 && *ttl > cfg.JWTMaxTTL:
		return fmt.Errorf("--ttl %s is longer than PARLEY_JWT_MAX_TTL (%s): the server would refuse the token", *ttl, cfg.JWTMaxTTL)
	}
	if err := server.EnsureSecret(&cfg); err != nil {
		return err
	}
	ac, err := cfg.AuthConfig()
	if err != nil {
		return err
	}
	m := auth.Minter{Secret: ac.Secret, Issuer: ac.Issuer, Audience: ac.Audience, MaxTTL: ac.MaxTTL}
	tok, _, err := m.Mint(v, *ttl)
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}

func seed(ctx context.Context, cfg server.Config, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object of ids and tokens")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, closeDB, err := openApp(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer closeDB()
	data, err := server.Seed(ctx, a)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(data)
	}
	printSeedSummary(data, cfg.Addr)
	return nil
}

// openApp fills in the development secret, opens the database (migrated when asked) and
// wires Parley over it. closeDB releases the database.
func openApp(ctx context.Context, cfg server.Config, migrate bool) (a *server.App, closeDB func(), err error) {
	if err := server.EnsureSecret(&cfg); err != nil {
		return nil, nil, err
	}
	if err := server.EnsureVAPID(&cfg); err != nil {
		return nil, nil, err
	}
	database, err := server.OpenDatabase(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if migrate {
		err = db.Migrate(ctx, database.DB, "up", logWriter{})
	}
	if err == nil {
		a, err = server.New(ctx, cfg, db.NewStore(database.DB))
	}
	if err != nil {
		database.Close()
		return nil, nil, err
	}
	return a, database.Close, nil
}
