package fakecli

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// object checks the object argument; the fake knows items only.
func (r *bwRun) object(allowed ...string) error {
	obj := r.arg(0)
	if !slices.Contains(allowed, obj) {
		return fmt.Errorf("Unknown object %q. Allowed objects are: %s.", obj, strings.Join(allowed, ", "))
	}
	if obj != "item" && obj != "items" {
		return fmt.Errorf("fakecli: bw %s %s is not implemented", r.name, obj)
	}
	return nil
}

func (r *bwRun) list() error {
	if err := r.object("items", "folders", "collections", "org-collections", "org-members", "organizations"); err != nil {
		return err
	}
	if err := r.needUnlocked(); err != nil {
		return err
	}
	search := strings.ToLower(r.f.vals["search"])
	list := []map[string]any{}
	for _, it := range r.st.Items {
		deleted := it["deletedDate"] != nil
		if deleted != r.f.has("trash") {
			continue
		}
		if search == "" || strings.Contains(strings.ToLower(str(it["name"])), search) || str(it["id"]) == search {
			list = append(list, it)
		}
	}
	return r.outJSON(list)
}

var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// find finds an item by id, or (as bw get does) by a search of names.
func (r *bwRun) find(ref string, search bool) (map[string]any, error) {
	if guid.MatchString(ref) {
		for _, it := range r.st.Items {
			if strings.EqualFold(str(it["id"]), ref) {
				return it, nil
			}
		}
		return nil, errors.New("Not found.")
	}
	if !search {
		return nil, errors.New("Not found.")
	}
	var found []map[string]any
	for _, it := range r.st.Items {
		if it["deletedDate"] == nil && strings.Contains(strings.ToLower(str(it["name"])), strings.ToLower(ref)) {
			found = append(found, it)
		}
	}
	if len(found) > 1 {
		exact := slices.DeleteFunc(slices.Clone(found), func(it map[string]any) bool { return !strings.EqualFold(str(it["name"]), ref) })
		if len(exact) != 1 {
			msg := "More than one result was found. Try getting a specific object by `id` instead. The following objects were found:"
			for _, it := range found {
				msg += "\n" + str(it["id"])
			}
			return nil, errors.New(msg)
		}
		found = exact
	}
	if len(found) == 0 {
		return nil, errors.New("Not found.")
	}
	return found[0], nil
}

func (r *bwRun) get() error {
	if err := r.object("item", "username", "password", "uri", "totp", "notes", "exposed", "attachment",
		"folder", "collection", "org-collection", "organization", "template", "fingerprint", "send"); err != nil {
		return err
	}
	if err := r.needUnlocked(); err != nil {
		return err
	}
	it, err := r.find(r.arg(1), true)
	if err != nil {
		return err
	}
	return r.outJSON(it)
}

// request decodes the base64 JSON of create and edit, from the argument
// or stdin.
func (r *bwRun) request(arg int) (map[string]any, error) {
	enc := r.arg(arg)
	if enc == "" {
		in, err := io.ReadAll(r.stdin)
		if err != nil {
			return nil, err
		}
		enc = string(in)
	}
	enc = strings.Join(strings.Fields(enc), "")
	if enc == "" {
		return nil, errors.New("`requestJson` was not provided.")
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(enc)
	}
	var req map[string]any
	if err != nil || json.Unmarshal(raw, &req) != nil {
		return nil, errors.New("Error parsing the encoded request data.")
	}
	return req, nil
}

// bwEditable are the item fields a request sets.
var bwEditable = []string{"organizationId", "collectionIds", "folderId", "type", "name", "notes", "favorite",
	"fields", "login", "secureNote", "card", "identity", "sshKey", "reprompt", "passwordHistory"}

// bwTypeField is the field that holds each item type's data.
var bwTypeField = map[float64]string{1: "login", 2: "secureNote", 3: "card", 4: "identity", 5: "sshKey"}

// apply sets the fields of req on it, checking them as bw and the
// server would.
func (r *bwRun) apply(it, req map[string]any) error {
	typ, _ := req["type"].(float64)
	field, ok := bwTypeField[typ]
	if !ok {
		return fmt.Errorf("fakecli: unknown item type %v", req["type"])
	}
	if sub, ok := req[field].(map[string]any); !ok || sub == nil {
		state := "undefined"
		if _, present := req[field]; present {
			state = "null"
		}
		return fmt.Errorf("Cannot read properties of %s (reading 'type')", state)
	}
	if str(req["name"]) == "" {
		return errors.New("The Name field is required.")
	}
	if n, ok := req["notes"].(string); ok && encryptedLen(len(n)) > bwMaxEncrypted {
		return fmt.Errorf("The field Notes exceeds the maximum encrypted value length of %d characters.", bwMaxEncrypted)
	}
	for _, k := range bwEditable {
		if v, ok := req[k]; ok {
			it[k] = v
		}
	}
	for _, k := range bwTypeField {
		if k != field {
			delete(it, k)
		}
	}
	if n, ok := it["notes"].(string); ok && n == "" {
		it["notes"] = nil // Bitwarden keeps no empty notes
	}
	it["revisionDate"] = r.now.Format("2006-01-02T15:04:05.000Z")
	return nil
}

// encryptedLen is the length of a Bitwarden EncString of n bytes:
// "2." + base64(IV, 16 bytes) + "|" + base64(AES-CBC) + "|" + base64(MAC, 32 bytes).
func encryptedLen(n int) int {
	b64 := func(n int) int { return (n + 2) / 3 * 4 }
	return 2 + b64(16) + 1 + b64((n/16+1)*16) + 1 + b64(32)
}

func (r *bwRun) create() error {
	if err := r.object("item", "attachment", "folder", "org-collection"); err != nil {
		return err
	}
	if err := r.needUnlocked(); err != nil {
		return err
	}
	req, err := r.request(1)
	if err != nil {
		return err
	}
	now := r.now.Format("2006-01-02T15:04:05.000Z")
	it := map[string]any{
		"object": "item", "id": newUUID(), "organizationId": nil, "folderId": nil, "favorite": false,
		"reprompt": 0, "notes": nil, "collectionIds": []any{}, "creationDate": now, "deletedDate": nil,
		"passwordHistory": nil,
	}
	if err := r.apply(it, req); err != nil {
		return err
	}
	if it["collectionIds"] == nil {
		it["collectionIds"] = []any{}
	}
	r.st.Items = append(r.st.Items, it)
	r.changed = true
	return r.outJSON(it)
}

func (r *bwRun) edit() error {
	if err := r.object("item", "item-collections", "folder", "org-collection"); err != nil {
		return err
	}
	if err := r.needUnlocked(); err != nil {
		return err
	}
	req, err := r.request(2)
	if err != nil {
		return err
	}
	it, err := r.find(r.arg(1), false)
	if err != nil {
		return err
	}
	if it["deletedDate"] != nil {
		return errors.New("You may not edit a deleted item. Use the restore command first.")
	}
	edited := maps.Clone(it)
	if err := r.apply(edited, req); err != nil {
		return err
	}
	clear(it)
	maps.Copy(it, edited)
	r.changed = true
	return r.outJSON(it)
}

func (r *bwRun) delete() error {
	if err := r.object("item", "attachment", "folder", "org-collection"); err != nil {
		return err
	}
	if err := r.needUnlocked(); err != nil {
		return err
	}
	it, err := r.find(r.arg(1), false)
	if err != nil {
		return err
	}
	if r.f.has("permanent") {
		r.st.Items = slices.DeleteFunc(r.st.Items, func(x map[string]any) bool { return str(x["id"]) == str(it["id"]) })
	} else {
		it["deletedDate"] = r.now.Format("2006-01-02T15:04:05.000Z")
	}
	r.changed = true
	return nil
}

func (r *bwRun) encode() error {
	in, err := io.ReadAll(r.stdin)
	if err != nil {
		return err
	}
	return r.out(base64.StdEncoding.EncodeToString(in))
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
