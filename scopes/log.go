package scopes

import (
	"context"
	"slices"
	"strings"
	"time"
)

// LogEntry is one change of the store: when, who, what (names only).
type LogEntry struct {
	Commit string
	When   time.Time
	// Author is the member's name in the manifest in force at that commit,
	// found by the commit's email; else the name the commit gives, with
	// Member false (a commit made outside configsync).
	Author  string
	Email   string
	Member  bool
	Summary string   // first line of the message
	Details []string // the message's item lines: paths and key names
	Envs    []string // environments touched
	// Items are the items the commit changed, "env/project/path".
	Items []string
}

// Log lists the store's history, newest first, optionally for one
// environment; n <= 0 means all. Nothing is decrypted: key names come
// from the commit messages, which never hold values.
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
	h, err := v.history(ctx, snap)
	if err != nil {
		return nil, err
	}
	var out []LogEntry
	for i, e := range h.entries {
		var envs, items []string
		for _, p := range e.Changed {
			rest, ok := strings.CutPrefix(p, environmentsDir+"/")
			if !ok {
				continue
			}
			name, _, _ := strings.Cut(rest, "/")
			if !slices.Contains(envs, name) {
				envs = append(envs, name)
			}
			if project, item, ok := splitItemStorePath(name, p); ok {
				items = append(items, name+"/"+project+"/"+item)
			}
		}
		if env != "" && !slices.Contains(envs, env) {
			continue
		}
		summary, body, _ := strings.Cut(strings.TrimSpace(e.Message), "\n")
		var details []string
		for _, line := range strings.Split(body, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				details = append(details, line)
			}
		}
		le := LogEntry{
			Commit: e.Hash.String(), When: e.Author.When, Author: e.Author.Name, Email: e.Author.Email,
			Summary: summary, Details: details, Envs: envs, Items: items,
		}
		if m, ok := h.teams[i].byEmail(e.Author.Email); ok {
			le.Author, le.Member = m.Name, true
		}
		out = append(out, le)
		if n > 0 && len(out) == n {
			break
		}
	}
	return out, nil
}
