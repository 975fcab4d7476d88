package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/configsync/configsync/scopes"
)

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// kindsPhrase is ".env files", "files" or ".env files and files".
func kindsPhrase(items []scopes.ItemResult) string {
	env, file := countKinds(items)
	switch {
	case file == 0:
		return ".env files"
	case env == 0:
		return "files"
	}
	return ".env files and files"
}

// countPhrase is "1 env file", "2 env files", "1 file", or both.
func countPhrase(items []scopes.ItemResult) string {
	env, file := countKinds(items)
	var parts []string
	if env > 0 || file == 0 {
		parts = append(parts, fmt.Sprintf("%d env %s", env, plural(env, "file", "files")))
	}
	if file > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", file, plural(file, "file", "files")))
	}
	return strings.Join(parts, " and ")
}

func sizeOf(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d %s", n, plural(n, "byte", "bytes"))
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

// age says how long ago t was, for people.
func age(now, t time.Time) string {
	if t.IsZero() {
		return "an unknown time"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "less than a minute ago"
	case d < time.Hour:
		return fmt.Sprintf("%d %s ago", int(d.Minutes()), plural(int(d.Minutes()), "minute", "minutes"))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d %s ago", int(d.Hours()), plural(int(d.Hours()), "hour", "hours"))
	}
	days := int(d.Hours() / 24)
	return fmt.Sprintf("%d days ago (%s)", days, t.UTC().Format("2006-01-02 15:04Z"))
}

// countKinds counts the .env items and the file items among items.
func countKinds(items []scopes.ItemResult) (env, file int) {
	for _, it := range items {
		if it.Type == scopes.TypeEnv {
			env++
		} else {
			file++
		}
	}
	return env, file
}
