package scopes

import (
	"context"
	"strings"
	"time"
)

// LogEntry is one change of the store: when, who, what (names only).
type LogEntry struct {
	Commit  string
	When    time.Time
	Author  string // member name as recorded in the commit
	Email   string
	Summary string   // first line of the message
	Details []string // the message's item lines: paths and key names
	Envs    []string // environments touched
}

// Log lists the store's history, newest first, optionally for one
// environment; n <= 0 means all.
func (v *Vault) Log(ctx context.Context, env string, n int) ([]LogEntry, error) {
	snap, err := v.load(ctx)
	if err != nil {
		return nil, err
	}
	if env != "" {
		if _, err := snap.env(env); err != nil {
			return nil, err
		}
	}
	limit := n
	if env != "" {
		limit = 0 // filter first, then cut
	}
	entries, err := v.store.Log(ctx, snap.tip, limit)
	if err != nil {
		return nil, err
	}
	var out []LogEntry
	for _, e := range entries {
		var envs []string
		for _, p := range e.Changed {
			if rest, ok := strings.CutPrefix(p, environmentsDir+"/"); ok {
				name, _, _ := strings.Cut(rest, "/")
				if !containsString(envs, name) {
					envs = append(envs, name)
				}
			}
		}
		if env != "" && !containsString(envs, env) {
			continue
		}
		summary, body, _ := strings.Cut(strings.TrimSpace(e.Message), "\n")
		var details []string
		for _, line := range strings.Split(body, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				details = append(details, line)
			}
		}
		out = append(out, LogEntry{
			Commit: e.Hash.String(), When: e.Author.When, Author: e.Author.Name, Email: e.Author.Email,
			Summary: summary, Details: details, Envs: envs,
		})
		if n > 0 && len(out) == n {
			break
		}
	}
	return out, nil
}

func containsString(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
