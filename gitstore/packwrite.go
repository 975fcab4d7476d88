package gitstore

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/go-git/go-git/v5/plumbing"
)

// go-git's PackfileWriter first decodes the whole index of every pack the
// store has (requireIndex: ~10 MB and 0.2 s of CPU at 10,000 items of
// history), then parses the pack it is given again in a goroutine to
// hash every object and build its index. A commit knows every object's
// hash and where it wrote it: writeOwnPack writes the pack and its
// index (version 2, as git index-pack writes it) directly.

// packEntry is one object of a pack being written, as its index lists it.
type packEntry struct {
	h   plumbing.Hash
	off int64
	crc uint32 // of the object's bytes in the pack
}

// countWriter counts what passes through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeOwnPack writes objs as one pack of the store's objects/pack: the
// index first, then the pack, each renamed into place from a synced
// temp file and read-only, as go-git does (a pack without its index is
// skipped by readers until the index is there).
func (s *Store) writeOwnPack(ctx context.Context, objs []plumbing.EncodedObject) (err error) {
	dir := filepath.Join(s.gitDir, "objects", "pack")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("gitstore: write pack: %w", err)
	}
	f, err := os.CreateTemp(dir, "tmp_pack_")
	if err != nil {
		return fmt.Errorf("gitstore: write pack: %w", err)
	}
	defer func() {
		f.Close()
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	entries := make([]packEntry, 0, len(objs))
	sum, err := writePackIndexed(ctx, f, objs, &entries)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		return fmt.Errorf("gitstore: write pack: %w", err)
	}
	// Named by content: one already there is this one (go-git's rule).
	base := filepath.Join(dir, "pack-"+hex.EncodeToString(sum[:]))
	if !exists(base + ".idx") {
		if err := writeSynced(base+".idx", packIndex(entries, sum)); err != nil {
			return fmt.Errorf("gitstore: write pack index: %w", err)
		}
	}
	if exists(base + ".pack") {
		return os.Remove(f.Name())
	}
	if err := f.Chmod(0o444); err != nil {
		return fmt.Errorf("gitstore: write pack: %w", err)
	}
	if err := os.Rename(f.Name(), base+".pack"); err != nil {
		return fmt.Errorf("gitstore: write pack: %w", err)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// writeSynced writes data to path through a synced temp file.
func writeSynced(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "tmp_idx_")
	if err != nil {
		return err
	}
	defer func() {
		f.Close()
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Chmod(0o444); err != nil { // read-only, as git and go-git leave packs
		return err
	}
	return os.Rename(f.Name(), path)
}

// packIndex is the version 2 index of a pack of entries whose checksum is
// sum (gitformat-pack): fan-out, names, CRC-32s, offsets (an offset from
// 2 GiB on in the table of large ones), the pack's checksum and its own.
func packIndex(entries []packEntry, sum [sha1.Size]byte) []byte {
	slices.SortFunc(entries, func(a, b packEntry) int { return bytes.Compare(a.h[:], b.h[:]) })
	n := len(entries)
	b := make([]byte, 0, 8+256*4+n*(20+4+4)+2*sha1.Size)
	b = append(b, idxMagic...)
	var fan [256]uint32
	for _, e := range entries {
		fan[e.h[0]]++
	}
	total := uint32(0)
	for i := range fan {
		total += fan[i]
		b = binary.BigEndian.AppendUint32(b, total)
	}
	for _, e := range entries {
		b = append(b, e.h[:]...)
	}
	for _, e := range entries {
		b = binary.BigEndian.AppendUint32(b, e.crc)
	}
	var large []int64
	for _, e := range entries {
		if e.off < 1<<31 {
			b = binary.BigEndian.AppendUint32(b, uint32(e.off))
			continue
		}
		b = binary.BigEndian.AppendUint32(b, 1<<31|uint32(len(large)))
		large = append(large, e.off)
	}
	for _, off := range large {
		b = binary.BigEndian.AppendUint64(b, uint64(off))
	}
	b = append(b, sum[:]...)
	own := sha1.Sum(b)
	return append(b, own[:]...)
}
