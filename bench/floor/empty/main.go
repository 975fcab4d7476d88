// Command empty does nothing: the start-up floor of a static Go binary on
// this machine, for bench/inject.sh.
package main

func main() {}
