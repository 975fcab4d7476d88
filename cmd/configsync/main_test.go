package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/configsync/configsync/internal/fakecli"
	"github.com/configsync/configsync/internal/testkeys"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"configsync": func() { os.Exit(Main(os.Args[1:], SystemEnv())) },
		// Fakes of the 1Password and Bitwarden CLIs (providers).
		"op": func() { os.Exit(fakecli.OP()) },
		"bw": func() { os.Exit(fakecli.BW()) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/scripts: the real
// command line, in-process, against real git repositories.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams(t, "testdata/scripts"))
}

// scriptParams sets up a hermetic world per script: HOME and
// CONFIGSYNC_HOME under $WORK, no system git config, test keys on disk.
func scriptParams(t *testing.T, dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") == "1",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			home := filepath.Join(e.WorkDir, "home")
			if err := os.MkdirAll(home, 0o700); err != nil {
				return err
			}
			e.Setenv("HOME", home)
			e.Setenv("CONFIGSYNC_HOME", filepath.Join(home, ".configsync"))
			e.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			e.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			e.Setenv("GIT_AUTHOR_NAME", "Test")
			e.Setenv("GIT_AUTHOR_EMAIL", "test@example.com")
			e.Setenv("GIT_COMMITTER_NAME", "Test")
			e.Setenv("GIT_COMMITTER_EMAIL", "test@example.com")
			e.Setenv("TZ", "UTC")
			// Fingerprints, for scripts that pin admins (CONFIGSYNC_ADMINS).
			e.Setenv("ALICE_FPR", testkeys.AliceFingerprint)
			e.Setenv("BOB_FPR", testkeys.BobFingerprint)
			e.Setenv("CI_FPR", testkeys.CIFingerprint)
			e.Setenv("CAROL_FPR", testkeys.CarolFingerprint)
			// Fixtures kept beside the scripts (testdata/format1: a store
			// made by the previous release).
			testdata, err := filepath.Abs("testdata")
			if err != nil {
				return err
			}
			e.Setenv("TESTDATA", testdata)
			// OpenPGP.js for the interop check, when a developer has
			// installed it in $OPENPGPJS_DIR (npm install openpgp); see
			// [openpgpjs]. Only node's own variable is passed: scripts
			// check that nothing named like a secret reaches git.
			if haveOpenPGPjs() {
				e.Setenv("NODE_PATH", filepath.Join(os.Getenv("OPENPGPJS_DIR"), "node_modules"))
			}
			// dotenvx for the import scripts ([dotenvx]), when installed
			// under $DOTENVX_DIR (.ci/run does).
			if p := dotenvxPath(); p != "" {
				e.Setenv("DOTENVX", p)
			}
			keys := filepath.Join(e.WorkDir, "keys")
			if err := os.MkdirAll(keys, 0o700); err != nil {
				return err
			}
			for name, data := range testKeyFiles() {
				if err := os.WriteFile(filepath.Join(keys, name), data, 0o600); err != nil {
					return err
				}
			}
			return nil
		},
		Cmds: scriptCommands(),
		// [root]: running as root, where mode 000 does not stop reads.
		// [openpgpjs]: node and OpenPGP.js in $OPENPGPJS_DIR/node_modules.
		// [dotenvx]: the dotenvx CLI in $DOTENVX_DIR/node_modules/.bin.
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			case "openpgpjs":
				return haveOpenPGPjs(), nil
			case "dotenvx":
				return dotenvxPath() != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	}
}

// testKeyFiles are the embedded test keys, written to $WORK/keys.
func testKeyFiles() map[string][]byte {
	return map[string][]byte{
		"alice.asc":     testkeys.Alice(),
		"bob.asc":       testkeys.Bob(),
		"carol.asc":     testkeys.Carol(),
		"ci.asc":        testkeys.CI(),
		"protected.asc": testkeys.Protected(),
		"gpgv4.asc":     testkeys.GPGv4(),
		"gpgv4.pub.asc": testkeys.GPGv4Public(),
		"rsa2048.asc":   testkeys.RSA2048(),
	}
}

// haveOpenPGPjs reports whether the interop scripts can run OpenPGP.js:
// node on PATH and the openpgp package under $OPENPGPJS_DIR.
func haveOpenPGPjs() bool {
	dir := os.Getenv("OPENPGPJS_DIR")
	if dir == "" {
		return false
	}
	if _, err := exec.LookPath("node"); err != nil {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, "node_modules", "openpgp", "package.json"))
	return err == nil
}
