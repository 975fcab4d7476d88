package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/configsync/configsync/internal/rofile"
)

// processStart is pid's start time as /proc/PID/stat gives it (field 22,
// clock ticks since boot): with the pid, it names one process, however
// often pids are reused.
func processStart(pid int) (string, bool) {
	data, err := rofile.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", false
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return "", false
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 20 {
		return "", false
	}
	return fields[19], true // fields[0] is field 3
}

// userHZ is the unit of /proc's clock ticks, fixed by the kernel ABI.
const userHZ = 100

// startTime turns a processStart value into wall-clock time, using the
// boot time in /proc/stat.
func startTime(start string) (time.Time, bool) {
	ticks, err := strconv.ParseInt(start, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	data, err := rofile.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, false
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "btime "); ok {
			boot, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return time.Time{}, false
			}
			return time.Unix(boot, 0).Add(time.Duration(ticks) * time.Second / userHZ), true
		}
	}
	return time.Time{}, false
}
