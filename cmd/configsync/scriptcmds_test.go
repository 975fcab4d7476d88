package main

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCommands are the checks the scripts need beyond testscript's own.
func scriptCommands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		// setenvstdout NAME: sets NAME to the last command's standard
		// output, trailing newlines removed (a session key from bw unlock).
		"setenvstdout": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 1 {
				ts.Fatalf("usage: setenvstdout NAME")
			}
			ts.Setenv(args[0], strings.TrimRight(ts.ReadFile("stdout"), "\n"))
		},
		// perm MODE FILE...: each file has exactly this permission (octal).
		"perm": func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) < 2 {
				ts.Fatalf("usage: perm MODE FILE...")
			}
			want, err := strconv.ParseUint(args[0], 8, 32)
			ts.Check(err)
			for _, f := range args[1:] {
				st, err := os.Stat(ts.MkAbs(f))
				ts.Check(err)
				got := uint64(st.Mode().Perm())
				if (got == want) == neg {
					ts.Fatalf("%s has mode %#o, want %s%#o", f, got, map[bool]string{true: "not ", false: ""}[neg], want)
				}
			}
		},
		// noplaintext GITDIR VALUE...: no object of the repository holds
		// any of the values (every object decompressed by git itself).
		"noplaintext": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) < 2 {
				ts.Fatalf("usage: noplaintext GITDIR VALUE...")
			}
			cmd := exec.Command("git", "--git-dir", ts.MkAbs(args[0]), "cat-file", "--batch-all-objects", "--batch")
			cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1")
			out, err := cmd.Output()
			ts.Check(err)
			if len(out) == 0 {
				ts.Fatalf("no objects in %s", args[0])
			}
			for _, v := range args[1:] {
				if bytes.Contains(out, []byte(v)) {
					ts.Fatalf("%s holds the plaintext value %q", args[0], v)
				}
			}
		},
		// samebytes A B: the two files are byte-identical.
		"samebytes": func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) != 2 {
				ts.Fatalf("usage: samebytes A B")
			}
			a, err := os.ReadFile(ts.MkAbs(args[0]))
			ts.Check(err)
			b, err := os.ReadFile(ts.MkAbs(args[1]))
			ts.Check(err)
			if bytes.Equal(a, b) == neg {
				ts.Fatalf("%s and %s: identical=%v", args[0], args[1], !neg)
			}
		},
		// oneline: stderr is exactly one line (refusals are one line).
		"oneline": func(ts *testscript.TestScript, neg bool, args []string) {
			lines := strings.Split(strings.TrimRight(ts.ReadFile("stderr"), "\n"), "\n")
			if (len(lines) == 1) == neg {
				ts.Fatalf("stderr has %d lines", len(lines))
			}
		},
		// recode ENCODING IN OUT (scriptcmds_recode_test.go): UTF-16, BOM, NUL text.
		"recode": cmdRecode,
		// Inject and export (implemented in scriptcmds_inject_test.go):
		// exitcode N PROG ARGS..., setenvfile NAME FILE, waitfile FILE,
		// bgpid FILE, signal TERM|INT|HUP|USR1, treesnap DIR OUT,
		// envcheck FORMAT FILE WANT, ghmasks WANT.
		"exitcode":   cmdExitcode,
		"setenvfile": cmdSetenvfile,
		"waitfile":   cmdWaitfile,
		"bgpid":      cmdBgpid,
		"signal":     cmdSignal,
		"treesnap":   cmdTreesnap,
		"envcheck":   cmdEnvcheck,
		"samejson":   cmdSamejson,
		"ghmasks":    cmdGhmasks,
		// Team and trust (implemented in scriptcmds_store_test.go):
		// signdetached SECRETKEY FILE OUT, seal SECRETKEY PUBKEY IN OUT
		// [BINDING], bomb SECRETKEY PUBKEY MIB OUT BINDING, canopen
		// SECRETKEY FILE, reseal SECRETKEY KEYPGP ITEM PUBKEY OUT,
		// unwrapkey SECRETKEY KEYPGP OUT, pgpmode FILE MODE.
		"signdetached": cmdSigndetached,
		"reindex":      cmdReindex,
		"seal":         cmdSeal,
		"bomb":         cmdBomb,
		"canopen":      cmdCanopen,
		"reseal":       cmdReseal,
		"unwrapkey":    cmdUnwrapkey,
		"pgpmode":      cmdPgpmode,
		// Remotes over the network (implemented in scriptcmds_remote_test.go):
		// gitdaemon NAME DIR, githttp NAME DIR USER PASS, gitssh NAME DIR,
		// gitstop NAME.
		"gitdaemon": cmdGitdaemon,
		"githttp":   cmdGithttp,
		"gitssh":    cmdGitssh,
		"gitstop":   cmdGitstop,
		// pushmany N FILE: N pushes, each after writing COUNTER=i to
		// FILE (a tracked env file): a history N commits longer.
		"pushmany": cmdPushmany,
		// jsonpath PATH WANT (scriptcmds_json_test.go): --json output.
		"jsonpath": cmdJSONPath,
	}
}

func cmdPushmany(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: pushmany N FILE")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	for i := 1; i <= n; i++ {
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte("COUNTER="+strconv.Itoa(i)+"\n"), 0o600))
		ts.Check(ts.Exec("configsync", "-q", "push"))
	}
}
