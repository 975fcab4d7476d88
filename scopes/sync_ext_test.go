package scopes_test

import (
	"context"
	"testing"

	"github.com/configsync/configsync/scopes"
)

func TestSyncTeamRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newSyncTeam(t)
	st.alice.write(".env", "A=1\nSECRET=alpha-secret\n")
	res, err := st.alice.open().Push(ctx, scopes.PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Commit == "" || len(res.Items) != 1 {
		t.Fatalf("push = %+v", res)
	}
	pres, err := st.bob.open().Pull(ctx, scopes.PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pres.Items) != 1 || st.bob.read(".env") != "A=1\nSECRET=alpha-secret\n" {
		t.Fatalf("pull = %+v, file %q", pres, st.bob.read(".env"))
	}
}
