package pgembed

import (
	"cmp"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNoPostgres means this machine has no PostgreSQL server binaries to run.
var ErrNoPostgres = errors.New("pgembed: no PostgreSQL server binaries (initdb and postgres) found " +
	"via pg_config, in /usr/lib/postgresql/*/bin or on the PATH; install PostgreSQL " +
	"(on Debian: apt-get install postgresql) or point parley at a running server")

// findBinDir returns the folder holding initdb and postgres.
func findBinDir() (string, error) {
	for _, dir := range candidateBinDirs() {
		if hasServerBinaries(dir) {
			return dir, nil
		}
	}
	return "", ErrNoPostgres
}

// candidateBinDirs lists where the binaries may be, best first. Debian keeps them off the PATH,
// in one folder per major version, and its pg_config may belong to a client-only install.
func candidateBinDirs() []string {
	var dirs []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	dirs = append(dirs, versionedBinDirs("/usr/lib/postgresql/*/bin")...)
	if p, err := exec.LookPath("postgres"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	return dirs
}

// versionedBinDirs returns the folders matching pattern (".../VERSION/bin"), highest version first.
func versionedBinDirs(pattern string) []string {
	dirs, _ := filepath.Glob(pattern) // the pattern is ours and valid
	slices.SortFunc(dirs, func(a, b string) int { return cmp.Compare(majorVersion(b), majorVersion(a)) })
	return dirs
}

// majorVersion reads VERSION from ".../VERSION/bin"; "9.6" counts as 9, which is enough to
// order it below 10 and later.
func majorVersion(binDir string) int {
	v, _, _ := strings.Cut(filepath.Base(filepath.Dir(binDir)), ".")
	n, _ := strconv.Atoi(v)
	return n
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}
