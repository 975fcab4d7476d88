package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/internal/rofile"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

func keysGenerateFlags(fs *pflag.FlagSet) runFunc {
	var name, email string
	var protect bool
	fs.StringVar(&name, "name", "", "your name")
	fs.StringVar(&email, "email", "", "your email")
	fs.BoolVar(&protect, "passphrase", false, "protect the key with a passphrase (CONFIGSYNC_PASSPHRASE or a prompt)")
	return func(ctx context.Context, a *app, args []string) error {
		return runKeysGenerate(ctx, a, args, name, email, protect)
	}
}

func runKeysGenerate(ctx context.Context, a *app, args []string, name, email string, protect bool) error {
	if name == "" || email == "" {
		return usagef(a.cmd, "--name and --email are required")
	}
	var pass []byte
	if protect {
		var err error
		if pass, err = a.newPassphrase(); err != nil {
			return err
		}
	}
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	key, err := v.GenerateIdentity(name, email, pass)
	if err != nil {
		return err
	}
	a.out("Created identity %s <%s>", name, email)
	a.out("Fingerprint: %s", key.Fingerprint())
	a.out("Send your public key to an admin: configsync keys export > %s.asc", safeFileName(email))
	return nil
}

// newPassphrase reads a new passphrase from CONFIGSYNC_PASSPHRASE or,
// twice, from the terminal.
func (a *app) newPassphrase() ([]byte, error) {
	if p := a.env.Getenv("CONFIGSYNC_PASSPHRASE"); p != "" {
		return []byte(p), nil
	}
	if !a.env.IsTerminal() {
		return nil, errors.New("--passphrase needs a terminal or CONFIGSYNC_PASSPHRASE")
	}
	fmt.Fprint(a.env.Stderr, "New passphrase: ")
	p1, err := a.env.ReadPassword()
	fmt.Fprintln(a.env.Stderr)
	if err != nil {
		return nil, err
	}
	fmt.Fprint(a.env.Stderr, "Repeat passphrase: ")
	p2, err := a.env.ReadPassword()
	fmt.Fprintln(a.env.Stderr)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(p1, p2) || len(p1) == 0 {
		return nil, errors.New("the passphrases differ or are empty: try again")
	}
	return p1, nil
}

func safeFileName(s string) string {
	out := []rune{}
	for _, r := range s {
		if r == '@' || r == '/' || r < ' ' {
			r = '-'
		}
		out = append(out, r)
	}
	return string(out)
}

func runKeysImport(ctx context.Context, a *app, args []string) error {
	data, err := rofile.ReadFile(args[0])
	if err != nil {
		return err
	}
	var pass []byte
	key, err := keyring.ReadPrivateKey(data, func() ([]byte, error) {
		p, err := a.passphrase()
		pass = p
		return p, err
	})
	if err != nil {
		_, perr := keyring.ReadPublicKey(data)
		clear(data)
		if perr == nil && errors.Is(err, keyring.ErrNoSecretKey) {
			return fmt.Errorf("%s holds no secret key: to add a teammate's public key use configsync team add %s", args[0], args[0])
		}
		return fmt.Errorf("%s: %w", args[0], err)
	}
	clear(data)
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	if err := v.ImportIdentity(key, pass); err != nil {
		return err
	}
	pub := key.Public()
	a.out("Imported identity %s <%s>", pub.Name(), pub.Email())
	a.out("Fingerprint: %s", key.Fingerprint())
	return nil
}

func runKeysExport(ctx context.Context, a *app, args []string) error {
	// The public part only: a protected key is never unlocked,
	// but an identity with no secret key is refused as anywhere.
	src, err := a.identitySource()
	if err != nil {
		return err
	}
	if _, err := keyring.ReadPrivateKey(src.data, nil); errors.Is(err, keyring.ErrNoSecretKey) {
		clear(src.data)
		return src.explain(err)
	}
	pub, err := keyring.ReadPublicKey(src.data)
	clear(src.data)
	if err != nil {
		return src.explain(err)
	}
	armored, err := pub.Armor()
	if err != nil {
		return err
	}
	_, err = a.env.Stdout.Write(armored)
	return err
}

func keysShowFlags(fs *pflag.FlagSet) runFunc {
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, a *app, args []string) error {
		return runKeysShow(ctx, a, args, asJSON)
	}
}

func runKeysShow(ctx context.Context, a *app, args []string, asJSON *bool) error {
	id, err := a.loadIdentity()
	if err != nil {
		return err
	}
	pub := id.Public()
	if *asJSON {
		return a.keysShowJSON(ctx, id.Fingerprint(), pub)
	}
	a.out("Identity: %s <%s>", pub.Name(), pub.Email())
	a.out("Fingerprint: %s", id.Fingerprint())
	a.out("Key: OpenPGP v%d", pub.Version())
	v, err := a.openSession(ctx, "", "")
	if err != nil || !v.HasStore() {
		return err
	}
	m, err := v.Me(ctx)
	var nm *scopes.NotMemberError
	switch {
	case errors.As(err, &nm):
		a.out("Member: no (send configsync keys export to an admin)")
	case err != nil:
		return err
	default:
		a.out("Member: tiers %s%s", tierList(m.Tiers), flagsOf(m))
	}
	return nil
}

func tierList(ts []scopes.Tier) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += ","
		}
		s += string(t)
	}
	if s == "" {
		return "none"
	}
	return s
}

func flagsOf(m scopes.Member) string {
	s := ""
	if m.Admin {
		s += ", admin"
	}
	if m.CI {
		s += ", ci"
	}
	return s
}

func (a *app) keysShowJSON(ctx context.Context, fpr string, pub *keyring.PublicKey) error {
	doc := identityJSON{Name: pub.Name(), Email: pub.Email(), Fingerprint: fpr, KeyVersion: pub.Version()}
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	if v.HasStore() {
		m, err := v.Me(ctx)
		var nm *scopes.NotMemberError
		switch {
		case errors.As(err, &nm):
			doc.Member = &identityMemberJSON{Tiers: []string{}}
		case err != nil:
			return err
		default:
			doc.Member = &identityMemberJSON{Member: true, Tiers: memberToJSON(m, "").Tiers, Admin: m.Admin, CI: m.CI}
		}
	}
	return a.printJSON(doc)
}
