package scopes

import (
	"fmt"
	"slices"
	"strings"
)

// Tier is an access level. A member granted a tier reads and writes every
// environment of that tier, nothing else.
type Tier string

// The built-in tiers, lowest first.
const (
	TierDev        Tier = "dev"
	TierStaging    Tier = "staging"
	TierProduction Tier = "production"
)

// Tiers lists the valid tiers, lowest first.
var Tiers = []Tier{TierDev, TierStaging, TierProduction}

// UnknownTierError is a tier name that is not one of Tiers.
type UnknownTierError struct{ Name string }

func (e *UnknownTierError) Error() string {
	return fmt.Sprintf("unknown tier %q (valid tiers: %s)", e.Name, joinTiers(Tiers))
}

// ParseTier parses one tier name.
func ParseTier(s string) (Tier, error) {
	t := Tier(strings.TrimSpace(s))
	if !slices.Contains(Tiers, t) {
		return "", &UnknownTierError{Name: s}
	}
	return t, nil
}

// ParseTiers parses a comma-separated list of tiers, sorted and deduplicated.
func ParseTiers(s string) ([]Tier, error) {
	var out []Tier
	for _, part := range strings.Split(s, ",") {
		t, err := ParseTier(part)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return sortTiers(out), nil
}

func sortTiers(ts []Tier) []Tier {
	slices.SortFunc(ts, func(a, b Tier) int { return slices.Index(Tiers, a) - slices.Index(Tiers, b) })
	return ts
}

func joinTiers(ts []Tier) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}
