package scopes

// HistoryLoads is how many times a full history (the team at every
// commit) was read, for the tests of scopes_test.
func HistoryLoads() int64 { return historyLoads.Load() }
