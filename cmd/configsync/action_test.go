package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/configsync/configsync/internal/gittest"
	"github.com/configsync/configsync/internal/testkeys"
)

// The GitHub Action (action.yml at the repository root, its shell in
// action/run.sh), run under a simulated runner: the runner's file
// commands ($GITHUB_ENV, $GITHUB_PATH, $GITHUB_OUTPUT) and $RUNNER_TEMP are
// files in a temporary directory, expressions are evaluated as the runner
// does, and `go` is a fake on PATH that logs its arguments and installs
// this test binary as configsync (testscript put it on PATH). The store is
// a real bare git repository made by the CLI.

// actionFile is action.yml, the parts the runner reads.
type actionFile struct {
	Inputs map[string]struct {
		Required bool   `yaml:"required"`
		Default  string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	ID    string            `yaml:"id"`
	If    string            `yaml:"if"`
	Uses  string            `yaml:"uses"`
	With  map[string]string `yaml:"with"`
	Shell string            `yaml:"shell"`
	Env   map[string]string `yaml:"env"`
	Run   string            `yaml:"run"`
}

func readAction(t *testing.T) (actionFile, string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return a, root
}

// ghRunner is one job on the simulated runner. cache (actions/cache's
// storage, key to directory) outlives a job, as it does on GitHub.
type ghRunner struct {
	t          *testing.T
	action     actionFile
	actionPath string
	actionRef  string            // github.action_ref
	inputs     map[string]string // the with: of the workflow's uses: step
	dir        string            // everything the job writes
	temp       string            // $RUNNER_TEMP
	workspace  string            // $GITHUB_WORKSPACE, the steps' working directory
	base       []string          // the job's environment before any step
	cache      map[string]string

	log     bytes.Buffer                 // stdout and stderr of every step, in order
	env     []kv                         // what the steps wrote to $GITHUB_ENV, in order
	path    []string                     // what the steps wrote to $GITHUB_PATH
	outputs map[string]map[string]string // steps.ID.outputs
	saves   map[string]string            // cache key to path, saved after the job
	n       int                          // steps run
}

func newRunner(t *testing.T, action actionFile, actionPath string, cache map[string]string, base []string) *ghRunner {
	dir := t.TempDir()
	r := &ghRunner{
		t: t, action: action, actionPath: actionPath, inputs: map[string]string{}, dir: dir,
		temp: filepath.Join(dir, "_temp"), workspace: filepath.Join(dir, "workspace"),
		base: base, cache: cache, outputs: map[string]map[string]string{}, saves: map[string]string{},
	}
	for _, d := range []string{r.temp, r.workspace} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

var expression = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// eval evaluates the expressions this action uses; any other is a test
// failure, so the simulation cannot silently differ from the runner.
func (r *ghRunner) eval(expr string) string {
	parts := strings.Split(expr, ".")
	switch {
	case len(parts) == 2 && parts[0] == "inputs":
		in, ok := r.action.Inputs[parts[1]]
		if !ok {
			r.t.Fatalf("action.yml uses undeclared input %q", parts[1])
		}
		if v, ok := r.inputs[parts[1]]; ok {
			return v
		}
		return in.Default
	case expr == "github.action_ref":
		return r.actionRef
	case expr == "runner.os":
		return "Linux"
	case expr == "runner.arch":
		return "X64"
	case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs":
		return r.outputs[parts[1]][parts[3]]
	}
	r.t.Fatalf("the simulated runner cannot evaluate ${{ %s }}", expr)
	return ""
}

func (r *ghRunner) expand(s string) string {
	return expression.ReplaceAllStringFunc(s, func(m string) string {
		return r.eval(expression.FindStringSubmatch(m)[1])
	})
}

// cond evaluates an if: that compares an expression with the empty
// string literal (EXPR != or == two single quotes).
func (r *ghRunner) cond(s string) bool {
	if s == "" {
		return true
	}
	for op, want := range map[string]bool{"!=": false, "==": true} {
		if lhs, rhs, ok := strings.Cut(s, " "+op+" "); ok && rhs == "''" {
			return (r.eval(strings.TrimSpace(lhs)) == "") == want
		}
	}
	r.t.Fatalf("the simulated runner cannot evaluate if: %s", s)
	return false
}

// run runs the action's steps in order, then the post step of
// actions/cache (save). It returns the error of the step that failed.
func (r *ghRunner) run() error {
	if r.action.Runs.Using != "composite" {
		r.t.Fatalf("runs.using is %q, want composite", r.action.Runs.Using)
	}
	defer r.saveCache()
	for i, s := range r.action.Runs.Steps {
		if !r.cond(s.If) {
			continue
		}
		if s.Uses != "" {
			r.uses(s)
			continue
		}
		if err := r.step(fmt.Sprint(i), s.ID, s.Shell, s.Run, s.Env); err != nil {
			return fmt.Errorf("step %d (%s): %w", i, s.ID, err)
		}
	}
	return nil
}

// uses runs actions/cache: a restore now, a save after the job when the
// key missed.
func (r *ghRunner) uses(s actionStep) {
	if s.Uses != "actions/cache@v4" {
		r.t.Fatalf("the simulated runner has no %s", s.Uses)
	}
	path, key := r.expand(s.With["path"]), r.expand(s.With["key"])
	if path == "" || key == "" || strings.Contains(path, "\n") {
		r.t.Fatalf("actions/cache with path %q key %q", path, key)
	}
	if saved, ok := r.cache[key]; ok {
		copyTree(r.t, saved, path)
		return
	}
	r.saves[key] = path
}

func (r *ghRunner) saveCache() {
	for key, path := range r.saves {
		if _, err := os.Stat(path); err == nil {
			saved := r.t.TempDir()
			copyTree(r.t, path, saved)
			r.cache[key] = saved
		}
	}
}

// step runs one run: step as the runner does: `bash --noprofile --norc
// -eo pipefail SCRIPT`, in the workspace, with fresh file-command files
// that are read back once it ends.
func (r *ghRunner) step(n, id, shell, script string, stepEnv map[string]string) error {
	if shell != "bash" {
		r.t.Fatalf("step %s: shell %q, want bash (composite steps must name one)", n, shell)
	}
	r.n++
	files := filepath.Join(r.temp, "_runner_file_commands")
	if err := os.MkdirAll(files, 0o755); err != nil {
		r.t.Fatal(err)
	}
	envFile := filepath.Join(files, "set_env_"+n)
	pathFile := filepath.Join(files, "add_path_"+n)
	outFile := filepath.Join(files, "set_output_"+n)
	scriptFile := filepath.Join(r.temp, fmt.Sprintf("step%s.sh", n))
	for _, f := range []string{envFile, pathFile, outFile} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	if err := os.WriteFile(scriptFile, []byte(r.expand(script)), 0o644); err != nil {
		r.t.Fatal(err)
	}
	env := slices.Clone(r.base)
	pathVar, _ := lookupEnv(env, "PATH")
	for _, p := range r.path {
		pathVar = p + ":" + pathVar
	}
	for _, v := range r.env {
		env = append(env, v.Key+"="+v.Value)
	}
	env = append(env, "PATH="+pathVar, "RUNNER_TEMP="+r.temp, "RUNNER_OS=Linux", "GITHUB_WORKSPACE="+r.workspace,
		"GITHUB_ACTION_PATH="+r.actionPath, "GITHUB_ENV="+envFile, "GITHUB_PATH="+pathFile, "GITHUB_OUTPUT="+outFile)
	for k, v := range stepEnv {
		env = append(env, k+"="+r.expand(v))
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", scriptFile)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = r.workspace, env, &r.log, &r.log
	runErr := cmd.Run()
	os.Remove(scriptFile)

	set, err := parseGitHubEnv(readString(r.t, envFile), false)
	if err != nil {
		r.t.Fatalf("step %s wrote a $GITHUB_ENV the runner cannot read: %v", n, err)
	}
	r.env = append(r.env, set...)
	for _, l := range strings.Split(readString(r.t, pathFile), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			r.path = append(r.path, l)
		}
	}
	outs, err := parseGitHubEnv(readString(r.t, outFile), false)
	if err != nil {
		r.t.Fatalf("step %s wrote a $GITHUB_OUTPUT the runner cannot read: %v", n, err)
	}
	if id != "" {
		r.outputs[id] = map[string]string{}
		for _, o := range outs {
			r.outputs[id][o.Key] = o.Value
		}
	}
	return runErr
}

// later runs a step of the workflow after the action: the job's
// environment plus what the action put in $GITHUB_ENV and $GITHUB_PATH.
func (r *ghRunner) later(script string) error {
	return r.step(fmt.Sprint("later", r.n), "", "bash", script, nil)
}

// envMap returns the variables a later step sees, the last of each name.
func (r *ghRunner) envMap() map[string]string {
	m := map[string]string{}
	for _, v := range r.env {
		m[v.Key] = v.Value
	}
	return m
}

// checkMasked reads the log as the runner does: an ::add-mask:: line
// registers a mask (and is not shown); any other line must not contain a
// line of a secret value that is not masked yet. With all, every
// non-blank line of every value must be masked by the end.
func (r *ghRunner) checkMasked(secrets []kv, all bool) {
	r.t.Helper()
	unescape := strings.NewReplacer("%25", "%", "%0D", "\r", "%0A", "\n")
	masked := map[string]bool{}
	for n, line := range strings.Split(r.log.String(), "\n") {
		if data, ok := strings.CutPrefix(line, "::add-mask::"); ok {
			masked[unescape.Replace(data)] = true
			continue
		}
		for _, s := range secrets {
			for _, l := range strings.Split(s.Value, "\n") {
				if strings.TrimSpace(l) != "" && strings.Contains(line, l) && !masked[l] {
					r.t.Errorf("log line %d shows %s unmasked: %q", n+1, s.Key, line)
				}
			}
		}
	}
	if all {
		if missing := unmasked(secrets, masked); len(missing) > 0 {
			r.t.Errorf("value lines never masked: %q", missing)
		}
	}
}

// noSecretOnDisk: no file the job wrote holds the identity or a
// passphrase or token input.
func (r *ghRunner) noSecretOnDisk(secrets ...string) {
	r.t.Helper()
	err := filepath.WalkDir(r.dir, func(p string, d fs.DirEntry, err error) error {
		// configsync here is this test binary, which embeds test keys.
		if err != nil || !d.Type().IsRegular() || d.Name() == "configsync" {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				r.t.Errorf("%s holds a secret input", p)
			}
		}
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", from+"/.", to+"/").CombinedOutput(); err != nil {
		t.Fatalf("cp %s %s: %v\n%s", from, to, err, out)
	}
}

// fakeGo is `go` on the runner: it logs its arguments (and whether it saw
// the identity), resolves @main and @v1.2.3 as the module proxy would,
// and installs or builds configsync by copying this test binary.
const fakeGo = `#!/bin/sh
printf '%s|GOBIN=%s|CGO_ENABLED=%s|identity=%s\n' "$*" "${GOBIN:-}" "${CGO_ENABLED:-}" "${CONFIGSYNC_IDENTITY:+seen}" >>"$FAKEGO_LOG"
case $1 in
list)
	for a; do :; done
	case $a in
	github.com/configsync/configsync@main) echo v0.0.0-20261201120000-0123456789ab ;;
	github.com/configsync/configsync@v1.2.3) echo v1.2.3 ;;
	*) echo "go: $a: unknown revision" >&2; exit 1 ;;
	esac ;;
install)
	mkdir -p "$GOBIN" && cp "$FAKEGO_CONFIGSYNC" "$GOBIN/configsync" ;;
build)
	while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
	cp "$FAKEGO_CONFIGSYNC" "$out" ;;
*) echo "fake go: unexpected: $*" >&2; exit 2 ;;
esac
`

// actionWorld is a store on a bare repository with a staging
// environment, and the CI member's key.
type actionWorld struct {
	remote   string // the bare repository
	checkout string // a repository with the configsync branch fetched
	identity string // the CI key, armored
	base     []string
	goLog    string
	values   []kv // staging's variables, as a later step must see them
}

func newActionWorld(t *testing.T) *actionWorld {
	t.Helper()
	configsync, err := exec.LookPath("configsync")
	if err != nil {
		t.Fatalf("configsync (this test binary) is not on PATH: %v", err)
	}
	dir := t.TempDir()
	w := &actionWorld{remote: filepath.Join(dir, "secrets.git"), checkout: filepath.Join(dir, "checkout"),
		identity: string(testkeys.CI()), goLog: filepath.Join(dir, "go.log")}
	adaHome := filepath.Join(dir, "ada")
	app := filepath.Join(adaHome, "git", "myapp")
	keys := filepath.Join(dir, "keys")
	for _, d := range []string{app, keys} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		filepath.Join(keys, "alice.asc"): string(testkeys.Alice()),
		filepath.Join(keys, "ci.asc"):    w.identity,
		filepath.Join(app, ".env"):       "API_URL=https://staging.example.com\nAPI_KEY=sk_live_action_4242\nEMPTY=\n",
		filepath.Join(app, ".env.staging"): "CERT=\"-----BEGIN CERT-----\\nMIIB-action-line-2\\n-----END CERT-----\"\n" +
			"DISCOUNT='100% action-off'\n",
	}
	for p, data := range files {
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w.values = []kv{
		{"API_URL", "https://staging.example.com"}, {"API_KEY", "sk_live_action_4242"}, {"EMPTY", ""},
		{"CERT", "-----BEGIN CERT-----\nMIIB-action-line-2\n-----END CERT-----"}, {"DISCOUNT", "100% action-off"},
	}
	env := append(os.Environ(), "HOME="+adaHome, "CONFIGSYNC_HOME="+filepath.Join(adaHome, ".configsync"),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com")
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env, cmd.Dir = env, dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
		}
		return string(out)
	}
	run("git", "init", "-q", "--bare", w.remote)
	run(configsync, "keys", "import", filepath.Join(keys, "alice.asc"))
	run(configsync, "init", "--remote", w.remote)
	run(configsync, "env", "create", "staging", "--tier", "staging")
	run(configsync, "add", "env", app)
	run(configsync, "push", "--env", "staging")
	// The CI key's public half, exported under a throwaway home.
	throwaway := filepath.Join(dir, "throwaway")
	run(configsync, "--home", throwaway, "keys", "import", filepath.Join(keys, "ci.asc"))
	pub := filepath.Join(dir, "ci.pub.asc")
	if err := os.WriteFile(pub, []byte(run(configsync, "--home", throwaway, "keys", "export")), 0o600); err != nil {
		t.Fatal(err)
	}
	run(configsync, "team", "add", pub, "--tier", "staging", "--ci")
	// The application's checkout, its configsync branch fetched as
	// docs/ci.md says.
	run("git", "init", "-q", w.checkout)
	run("git", "-C", w.checkout, "fetch", "-q", "--no-tags", w.remote, "configsync:configsync")
	os.RemoveAll(keys)

	// The runner: a fake go first on PATH, then the system's tools; no
	// configsync until the action installs it.
	bin := filepath.Join(dir, "runnerbin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(fakeGo), 0o755); err != nil {
		t.Fatal(err)
	}
	w.base = []string{
		"PATH=" + bin + ":/usr/local/bin:/usr/bin:/bin", "HOME=" + filepath.Join(dir, "runnerhome"),
		"GIT_CONFIG_NOSYSTEM=1", "LANG=C.UTF-8", "FAKEGO_LOG=" + w.goLog, "FAKEGO_CONFIGSYNC=" + configsync,
	}
	return w
}

func (w *actionWorld) goCalls(t *testing.T) []string {
	data, err := os.ReadFile(w.goLog)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// TestActionExport: the default mode. A later step sees every variable,
// exactly; every line of every value is masked before anything prints
// it; the identity is in no log, no file and no other step. A second job
// at the same ref installs nothing: the cache restores the binary.
func TestActionExport(t *testing.T) {
	action, root := readAction(t)
	w := newActionWorld(t)
	cache := map[string]string{}
	for job := 1; job <= 2; job++ {
		r := newRunner(t, action, root, cache, w.base)
		r.actionRef = "main"
		r.inputs = map[string]string{
			"identity": w.identity, "remote": w.remote, "env": "staging", "project": "myapp",
			// Pins as a user may paste them: spaces, a newline.
			"admins": " " + testkeys.AliceFingerprint + "\n" + testkeys.BobFingerprint + " ",
		}
		if err := r.run(); err != nil {
			t.Fatalf("job %d: %v\nlog:\n%s", job, err, r.log.String())
		}
		if got := r.envMap(); !equalVars(got, w.values) {
			t.Errorf("job %d: $GITHUB_ENV gives %q, want %q", job, got, w.values)
		}
		// A later step reads them (and prints one: masked by then).
		if err := r.later(`test "$API_KEY" = sk_live_action_4242 && echo "key: $API_KEY" && printf '%s\n' "$CERT" && command -v configsync`); err != nil {
			t.Fatalf("job %d: later step: %v\nlog:\n%s", job, err, r.log.String())
		}
		if !strings.Contains(r.log.String(), "key: sk_live_action_4242") {
			t.Errorf("job %d: the later step did not run as expected:\n%s", job, r.log.String())
		}
		r.checkMasked(w.values, true)
		if strings.Contains(r.log.String(), "PGP") {
			t.Errorf("job %d: key material in the log:\n%s", job, r.log.String())
		}
		r.noSecretOnDisk("PRIVATE KEY")
	}
	calls := w.goCalls(t)
	want := []string{
		"list -m -f {{.Version}} github.com/configsync/configsync@main|GOBIN=|CGO_ENABLED=|identity=",
		"install github.com/configsync/configsync/cmd/configsync@v0.0.0-20261201120000-0123456789ab|GOBIN=",
		// The second job: resolved again (main may have moved), installed from the cache.
		"list -m -f {{.Version}} github.com/configsync/configsync@main|GOBIN=|CGO_ENABLED=|identity=",
	}
	if len(calls) != len(want) {
		t.Fatalf("go ran %d times, want %d: %q", len(calls), len(want), calls)
	}
	for i := range want {
		if !strings.HasPrefix(calls[i], want[i]) {
			t.Errorf("go call %d = %q, want prefix %q", i, calls[i], want[i])
		}
	}
	if !strings.HasSuffix(calls[1], "/configsync/v0.0.0-20261201120000-0123456789ab/bin|CGO_ENABLED=0|identity=") {
		t.Errorf("go install: %q: want GOBIN under $RUNNER_TEMP/configsync/VERSION, CGO_ENABLED=0, no identity", calls[1])
	}
}

// TestActionRun: with run, the command sees the variables, masked before
// it can print one, and not configsync's credentials; nothing reaches
// $GITHUB_ENV. Here the store is the checkout's configsync branch, the
// pins its configsync.toml, and the action is used from a local path
// (no ref): it builds configsync from its own checkout.
func TestActionRun(t *testing.T) {
	action, root := readAction(t)
	w := newActionWorld(t)
	r := newRunner(t, action, root, map[string]string{}, w.base)
	if err := os.Rename(w.checkout, filepath.Join(r.workspace, "app")); err != nil {
		t.Fatal(err)
	}
	r.workspace = filepath.Join(r.workspace, "app")
	toml := fmt.Sprintf("[store]\nadmins = [%q]\n", testkeys.AliceFingerprint)
	if err := os.WriteFile(filepath.Join(r.workspace, "configsync.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	r.inputs = map[string]string{
		"identity": w.identity, "repo": ".", "env": "staging", "project": "myapp",
		"git-token": "token-must-not-leak-1", "passphrase": "passphrase-must-not-leak-2",
		"run": `echo "run sees $API_KEY"
printf '%s\n' "$CERT"
test "$DISCOUNT" = "100% action-off"
env | grep -E '^(CONFIGSYNC_(IDENTITY|PASSPHRASE|GIT_TOKEN)|INPUT_(GIT_TOKEN|PASSPHRASE))=' && exit 9
echo run-done`,
	}
	if err := r.run(); err != nil {
		t.Fatalf("%v\nlog:\n%s", err, r.log.String())
	}
	log := r.log.String()
	for _, want := range []string{"run sees sk_live_action_4242", "MIIB-action-line-2", "run-done", "Injecting 5 environment variables (staging)..."} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if len(r.env) > 0 {
		t.Errorf("run mode wrote to $GITHUB_ENV: %d variables", len(r.env))
	}
	r.checkMasked(w.values, true)
	if strings.Contains(log, "must-not-leak") || strings.Contains(log, "PGP") {
		t.Errorf("a credential in the log:\n%s", log)
	}
	r.noSecretOnDisk("PRIVATE KEY", "must-not-leak")
	calls := w.goCalls(t)
	if len(calls) != 1 || !strings.HasPrefix(calls[0], "build -C "+root+" -trimpath -o "+r.temp+"/configsync/local/bin/configsync ./cmd/configsync|") ||
		!strings.HasSuffix(calls[0], "|CGO_ENABLED=0|identity=") {
		t.Errorf("go calls %q: want one go build of the action's checkout", calls)
	}
}

// TestActionRefusals: each refusal is one ::error:: line (the action's
// own) or configsync's one line, the job fails, and nothing reaches
// $GITHUB_ENV.
func TestActionRefusals(t *testing.T) {
	action, root := readAction(t)
	w := newActionWorld(t)
	tests := []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{"no identity", map[string]string{"identity": "", "remote": w.remote, "env": "staging", "admins": testkeys.AliceFingerprint},
			"::error::configsync action: the identity input is empty: "},
		{"no env", map[string]string{"identity": w.identity, "remote": w.remote, "admins": testkeys.AliceFingerprint},
			"::error::configsync action: the env input is empty: "},
		{"remote and repo", map[string]string{"identity": w.identity, "remote": w.remote, "repo": w.checkout, "env": "staging", "admins": testkeys.AliceFingerprint},
			"::error::configsync action: both the remote and repo inputs are set: use one"},
		{"no store", map[string]string{"identity": w.identity, "env": "staging", "admins": testkeys.AliceFingerprint},
			"::error::configsync action: no store to read: "},
		{"no pins", map[string]string{"identity": w.identity, "remote": w.remote, "env": "staging"},
			"configsync: no admin of the store is pinned"},
		{"wrong pin", map[string]string{"identity": w.identity, "remote": w.remote, "env": "staging", "admins": testkeys.CarolFingerprint},
			"configsync: "},
		{"unknown version", map[string]string{"identity": w.identity, "remote": w.remote, "env": "staging", "version": "no-such-tag"},
			"::error::configsync action: cannot resolve github.com/configsync/configsync@no-such-tag: "},
		{"bad version", map[string]string{"identity": w.identity, "remote": w.remote, "env": "staging", "version": "v1;rm -rf /"},
			"::error::configsync action: version \"v1;rm -rf /\" is not a git ref or module version: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, action, root, map[string]string{}, w.base)
			r.actionRef = "v1.2.3"
			r.inputs = tt.inputs
			err := r.run()
			if err == nil {
				t.Fatalf("the action succeeded; log:\n%s", r.log.String())
			}
			var refusals []string
			for _, l := range strings.Split(strings.TrimSpace(r.log.String()), "\n") {
				if strings.HasPrefix(l, "::error::") || strings.HasPrefix(l, "configsync: ") {
					refusals = append(refusals, l)
				}
			}
			if len(refusals) != 1 || !strings.HasPrefix(refusals[0], tt.want) {
				t.Errorf("refusals %q, want one starting %q; log:\n%s", refusals, tt.want, r.log.String())
			}
			if len(r.env) > 0 {
				t.Errorf("$GITHUB_ENV got %d variables", len(r.env))
			}
			if strings.Contains(r.log.String(), "PGP") {
				t.Errorf("key material in the log")
			}
		})
	}
}

// TestActionFile: what the simulation cannot see. The identity reaches one
// step only, as CONFIGSYNC_IDENTITY; no run: splices an expression into
// shell (a value with quotes would run as code); every declared input
// is used; the cache key holds the resolved version.
func TestActionFile(t *testing.T) {
	action, _ := readAction(t)
	used := map[string]bool{}
	identitySteps := 0
	for i, s := range action.Runs.Steps {
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %d splices an expression into its script: %q", i, s.Run)
		}
		for k, v := range s.Env {
			for _, m := range expression.FindAllStringSubmatch(v, -1) {
				if in, ok := strings.CutPrefix(m[1], "inputs."); ok {
					used[in] = true
					if in == "identity" {
						identitySteps++
						if k != "CONFIGSYNC_IDENTITY" || s.ID != "load" {
							t.Errorf("step %d passes the identity as %s", i, k)
						}
					}
				}
			}
		}
		for _, v := range s.With {
			if strings.Contains(v, "inputs.") {
				t.Errorf("step %d (%s) gets an input in with:", i, s.Uses)
			}
		}
		if s.Uses != "" && !strings.Contains(s.With["key"], "steps.version.outputs.version") {
			t.Errorf("the cache key %q does not hold the resolved version", s.With["key"])
		}
	}
	if identitySteps != 1 {
		t.Errorf("the identity reaches %d steps, want 1", identitySteps)
	}
	for name, in := range action.Inputs {
		if !used[name] {
			t.Errorf("input %q is declared but never used", name)
		}
		if in.Required != (name == "identity" || name == "env") {
			t.Errorf("input %q: required = %v", name, in.Required)
		}
	}
}

func equalVars(got map[string]string, want []kv) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		if v, ok := got[w.Key]; !ok || v != w.Value {
			return false
		}
	}
	return true
}

// TestActionGitToken: the git-token input reads an HTTPS-style remote
// (HTTP basic auth, the token as password); an empty input leaves the
// job's own CONFIGSYNC_GIT_TOKEN alone; the token is in no log.
func TestActionGitToken(t *testing.T) {
	action, root := readAction(t)
	w := newActionWorld(t)
	const token = "ghp-action-token-31337"
	srv, err := gittest.HTTP(filepath.Dir(w.remote), "*", token)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	remote := srv.URL + filepath.Base(w.remote)
	tests := []struct {
		name    string
		input   string // git-token
		jobEnv  string // the job's CONFIGSYNC_GIT_TOKEN
		succeed bool
	}{
		{"input", token, "", true},
		{"job's variable, empty input", "", token, true},
		{"none", "", "", false},
		{"wrong", "wrong-token", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := slices.Clone(w.base)
			if tt.jobEnv != "" {
				base = append(base, "CONFIGSYNC_GIT_TOKEN="+tt.jobEnv)
			}
			r := newRunner(t, action, root, map[string]string{}, base)
			r.actionRef = "v1.2.3"
			r.inputs = map[string]string{"identity": w.identity, "remote": remote, "env": "staging",
				"admins": testkeys.AliceFingerprint, "git-token": tt.input}
			err := r.run()
			if (err == nil) != tt.succeed {
				t.Fatalf("run: %v, want success %v; log:\n%s", err, tt.succeed, r.log.String())
			}
			if tt.succeed && !equalVars(r.envMap(), w.values) {
				t.Errorf("$GITHUB_ENV gives %q", r.envMap())
			}
			if strings.Contains(r.log.String(), token) {
				t.Errorf("the token is in the log:\n%s", r.log.String())
			}
		})
	}
}
