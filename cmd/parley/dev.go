package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/parley/parley/devcluster"
	"github.com/parley/parley/server"
)

const devUsage = `usage: parley dev cluster up [--replicas 3] [--port 8080] [--database parley_cluster] [--dir DIR]
       parley dev cluster down|status [--dir DIR] [--json]
`

// dev runs the development tools: a local cluster of replicas behind a load balancer.
func dev(ctx context.Context, cfg server.Config, args []string) error {
	if len(args) >= 1 && args[0] == "balance" {
		return balance(ctx, args[1:])
	}
	if len(args) < 2 || args[0] != "cluster" {
		return fmt.Errorf("%s", devUsage)
	}
	fs := flag.NewFlagSet("dev cluster", flag.ContinueOnError)
	replicas := fs.Int("replicas", 3, "how many `parley serve` replicas")
	port := fs.Int("port", 8080, "the load balancer's port; replicas take the next ones (0: free ports)")
	dbName := fs.String("database", "parley_cluster", "database created on the local PostgreSQL when DATABASE_URL is unset")
	dir := fs.String("dir", filepath.Join(cfg.DataDir, "cluster"), "state file and logs")
	asJSON := fs.Bool("json", false, "status as JSON")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	switch args[1] {
	case "up":
		if *replicas < 1 || *replicas > 16 {
			return fmt.Errorf("--replicas must be from 1 to 16")
		}
		return clusterUp(ctx, cfg, devcluster.Options{Dir: *dir, Replicas: *replicas, Port: *port}, *dbName)
	case "down":
		return devcluster.Down(*dir)
	case "status":
		return clusterStatus(*dir, *asJSON)
	}
	return fmt.Errorf("%s", devUsage)
}

func clusterUp(ctx context.Context, cfg server.Config, o devcluster.Options, dbName string) error {
	var err error
	if o.Binary, err = os.Executable(); err != nil {
		return err
	}
	if o.DatabaseURL = cfg.DatabaseURL; o.DatabaseURL == "" {
		if o.DatabaseURL, err = server.LocalDatabase(ctx, dbName); err != nil {
			return err
		}
	}
	// The replicas must sign and accept the same tokens, and sign pushes with the key browsers
	// subscribed with: one secret and one VAPID pair for all of them, made before they start
	// (each would otherwise generate its own at once).
	if err := server.EnsureSecret(&cfg); err != nil {
		return err
	}
	if err := server.EnsureVAPID(&cfg); err != nil {
		return err
	}
	shared := []string{"PARLEY_VAPID_PUBLIC_KEY=" + cfg.VAPID.PublicKey, "PARLEY_VAPID_PRIVATE_KEY=" + cfg.VAPID.PrivateKey}
	if cfg.JWTSecret != "" {
		shared = append(shared, "PARLEY_JWT_SECRET="+cfg.JWTSecret)
	}
	replaced := []string{"PARLEY_JWT_SECRET=", "PARLEY_VAPID_PUBLIC_KEY=", "PARLEY_VAPID_PRIVATE_KEY=", "PARLEY_VAPID_SUBJECT="}
	o.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return slices.ContainsFunc(replaced, func(p string) bool { return strings.HasPrefix(kv, p) })
	})
	o.Env = append(o.Env, append(shared, "PARLEY_VAPID_SUBJECT="+cfg.VAPID.Subject)...)
	st, err := devcluster.Up(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("cluster up: %s (load balancer; %s names the replica that answered)\n", st.URL, devcluster.ReplicaHeader)
	printReplicas(st)
	fmt.Printf("logs and state in %s; stop with: parley dev cluster down\n", o.Dir)
	return nil
}

func clusterStatus(dir string, asJSON bool) error {
	st, err := devcluster.ReadState(dir)
	if os.IsNotExist(err) {
		fmt.Println("no cluster is up")
		return nil
	}
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(st)
	}
	fmt.Println("load balancer", st.URL, running(st.Balancer.PID))
	printReplicas(st)
	return nil
}

func printReplicas(st *devcluster.State) {
	for _, r := range st.Replicas {
		fmt.Printf("  %s  http://%s  admin %s  pid %d %s  log %s\n", r.Name, r.Addr, r.Admin, r.PID, running(r.PID), r.Log)
	}
}

func running(pid int) string {
	if devcluster.Running(pid) {
		return "running"
	}
	return "stopped"
}

// balance is the cluster's load balancer process: `parley dev balance --listen A --backends B,C`.
func balance(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("dev balance", flag.ContinueOnError)
	listenAddr := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	backends := fs.String("backends", "", "comma-separated host:port of the replicas")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h, err := devcluster.Balancer(strings.Split(*backends, ","))
	if err != nil {
		return err
	}
	slog.Info("balancing", "backends", *backends)
	return listen(ctx, *listenAddr, h, nil)
}
