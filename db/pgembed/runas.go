package pgembed

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// runAs is the OS user that runs PostgreSQL when we are root, because PostgreSQL refuses to
// run as root. A nil *runAs means "run as ourselves".
type runAs struct {
	name     string
	uid, gid int
}

func lookupRunAs() (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgembed: PostgreSQL refuses to run as root and there is no postgres OS user to run it as: %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("pgembed: uid of OS user postgres: %w", err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("pgembed: gid of OS user postgres: %w", err)
	}
	return &runAs{name: u.Username, uid: uid, gid: gid}, nil
}

// sysProcAttr makes a child run as r, with no supplementary groups.
func (r *runAs) sysProcAttr() *syscall.SysProcAttr {
	if r == nil {
		return nil
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(r.uid), Gid: uint32(r.gid)}}
}

func (r *runAs) chown(path string) error {
	if r == nil {
		return nil
	}
	if err := os.Chown(path, r.uid, r.gid); err != nil {
		return fmt.Errorf("pgembed: hand %s to OS user %s: %w", path, r.name, err)
	}
	return nil
}

// blockedAt returns the first folder on the way to dir (dir included) that r may not enter, or
// "" if r can reach dir. It reads the permission bits the way the kernel does (owner, then
// group, then others) and ignores ACLs, which at worst sends us to the fallback folder.
func (r *runAs) blockedAt(dir string) (string, error) {
	if r == nil {
		return "", nil
	}
	var path []string
	for p := dir; ; p = filepath.Dir(p) {
		path = append(path, p)
		if p == filepath.Dir(p) {
			break
		}
	}
	for i := len(path) - 1; i >= 0; i-- {
		info, err := os.Stat(path[i])
		if err != nil {
			return "", fmt.Errorf("pgembed: %w", err)
		}
		if !r.canEnter(info) {
			return path[i], nil
		}
	}
	return "", nil
}

func (r *runAs) canEnter(info os.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return true // no ownership to read; let PostgreSQL report any problem
	}
	perm := info.Mode().Perm()
	switch {
	case int(st.Uid) == r.uid:
		return perm&0o100 != 0
	case int(st.Gid) == r.gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// placeDataDir picks the cluster's folder, dir/pgdata, and creates it for the server's user.
// When that user cannot reach dir (a 0700 root-owned parent, as t.TempDir makes), the cluster
// goes to a folder named after dir in the system temp folder instead, so the same dir always
// finds the same cluster.
func placeDataDir(dir string, r *runAs, logger *slog.Logger) (string, error) {
	base, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("pgembed: data folder: %w", err)
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", fmt.Errorf("pgembed: data folder: %w", err)
	}
	if base, err = filepath.EvalSymlinks(base); err != nil {
		return "", fmt.Errorf("pgembed: data folder: %w", err)
	}
	dataDir := filepath.Join(base, "pgdata")
	blocked, err := r.blockedAt(base)
	if err != nil {
		return "", err
	}
	if blocked == "" {
		return dataDir, ensureDataDir(dataDir, r)
	}
	fallback := filepath.Join(os.TempDir(), "parley-pgembed-"+shortHash(base))
	logger.Warn("the server's OS user cannot reach the data folder, so the cluster lives in the temp folder instead",
		"user", r.name, "blocked_at", blocked, "wanted", dataDir, "data_dir", fallback)
	blocked, err = r.blockedAt(filepath.Dir(fallback))
	if err != nil {
		return "", err
	}
	if blocked != "" {
		return "", fmt.Errorf("pgembed: OS user %s can reach neither %s nor %s; choose a data folder it can enter", r.name, dataDir, fallback)
	}
	return fallback, claimFallback(fallback, r)
}

// ensureDataDir creates dataDir if missing (initdb wants 0700) and hands it to r.
func ensureDataDir(dataDir string, r *runAs) error {
	if err := os.Mkdir(dataDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("pgembed: data folder: %w", err)
	}
	return r.chown(dataDir)
}

// claimFallback creates the fallback folder for r, or accepts the one an earlier run created.
// Its name in the shared temp folder is predictable and we are root, so a symlink or a folder
// of someone else is refused, never chowned.
func claimFallback(path string, r *runAs) error {
	err := os.Mkdir(path, 0o700)
	if err == nil {
		return r.chown(path)
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("pgembed: data folder: %w", err)
	}
	info, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("pgembed: data folder: %w", err)
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !info.IsDir() || !ok || int(st.Uid) != r.uid {
		return fmt.Errorf("pgembed: %s is not a folder of OS user %s; remove it and try again", path, r.name)
	}
	return nil
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}
