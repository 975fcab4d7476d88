package scopes_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/configsync/configsync/scopes"
)

func TestEnvironments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := syncedTeam(t)
	a, b := st.alice, st.bob
	env, err := a.open().CreateEnvironment(ctx, "staging", scopes.TierStaging, true)
	if err != nil || env.KeyGeneration != 1 || !env.Protected || env.KeyFingerprint == "" {
		t.Fatalf("create = %+v, %v", env, err)
	}
	envs, err := a.open().Environments(ctx)
	if err != nil || len(envs) != 2 || envs[0].Name != "development" || envs[1].Name != "staging" {
		t.Fatalf("environments = %+v, %v", envs, err)
	}
	if env, err := a.open().UseEnvironment(ctx, "staging"); err != nil || env.Tier != scopes.TierStaging {
		t.Fatalf("use = %+v, %v", env, err)
	}
	a.write(".env", "S=1\n")
	syncDone(t)(a.open().Push(ctx, scopes.PushOptions{Confirm: func(scopes.Environment, []scopes.ItemChange) bool { return true }}))

	// Refusals change neither the remote nor the local configuration.
	cases := []struct {
		name  string
		m     *syncMachine
		try   func(v syncSession) error
		check func(error) bool
	}{
		{"create, bad name", a, func(v syncSession) error {
			_, err := v.CreateEnvironment(ctx, "qa/eu", scopes.TierDev, false)
			return err
		}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "slash") }},
		{"create, taken", a, func(v syncSession) error {
			_, err := v.CreateEnvironment(ctx, "staging", scopes.TierDev, false)
			return err
		}, func(err error) bool {
			var ee *scopes.EnvironmentExistsError
			return errors.As(err, &ee) && ee.Env.Tier == scopes.TierStaging
		}},
		{"create, not an admin", b, func(v syncSession) error {
			_, err := v.CreateEnvironment(ctx, "qa", scopes.TierDev, false)
			return err
		}, func(err error) bool {
			var ne *scopes.NotAdminError
			return errors.As(err, &ne)
		}},
		{"use, unknown", a, func(v syncSession) error {
			_, err := v.UseEnvironment(ctx, "prod")
			return err
		}, func(err error) bool {
			var ue *scopes.UnknownEnvironmentError
			return errors.As(err, &ue)
		}},
		{"delete, protected", a, func(v syncSession) error {
			return v.DeleteEnvironment(ctx, "staging", nil)
		}, func(err error) bool {
			var pe *scopes.ProtectedError
			return errors.As(err, &pe) && pe.Env == "staging" && pe.Keys == 2 // the item and its project record
		}},
		{"delete, declined", a, func(v syncSession) error {
			return v.DeleteEnvironment(ctx, "staging", func(scopes.Environment, int) bool { return false })
		}, func(err error) bool {
			var pe *scopes.ProtectedError
			return errors.As(err, &pe)
		}},
		{"delete, not an admin", b, func(v syncSession) error {
			return v.DeleteEnvironment(ctx, "development", nil)
		}, func(err error) bool {
			var ne *scopes.NotAdminError
			return errors.As(err, &ne)
		}},
		{"delete, unknown", a, func(v syncSession) error {
			return v.DeleteEnvironment(ctx, "prod", nil)
		}, func(err error) bool {
			var ue *scopes.UnknownEnvironmentError
			return errors.As(err, &ue)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tip, home := st.tip(t), syncSnapshot(t, c.m.opts.UserHome)
			cfg := syncSnapshot(t, c.m.opts.Home+"/config.toml")
			err := c.try(c.m.open())
			if !c.check(err) {
				t.Fatalf("err = %v", err)
			}
			if st.tip(t) != tip {
				t.Fatal("a refusal moved the remote")
			}
			syncSameTree(t, home, syncSnapshot(t, c.m.opts.UserHome))
			syncSameTree(t, cfg, syncSnapshot(t, c.m.opts.Home+"/config.toml"))
		})
	}

	var asked int
	if err := a.open().DeleteEnvironment(ctx, "staging", func(_ scopes.Environment, items int) bool { asked = items; return true }); err != nil || asked != 2 {
		t.Fatalf("delete = %v (asked about %d items)", err, asked)
	}
	if got := a.open().Config().Environment; got != "" {
		t.Fatalf("the deleted environment is still active: %q", got)
	}
	if envs, err := a.open().Environments(ctx); err != nil || len(envs) != 1 {
		t.Fatalf("environments after the delete = %+v, %v", envs, err)
	}
	if _, err := a.open().Push(ctx, scopes.PushOptions{}); !errors.Is(err, scopes.ErrNoEnvironment) {
		t.Fatalf("push with no active environment = %v", err)
	}
}
