// Command probecmd is what 'fscachesim mutate' builds each mutant as: the
// probe (mutate.Probe) and what it imports, nothing else of the tool, so
// that a mutant's link is small. It takes the flags of 'fscachesim mutate
// probe' and prints the same JSON verdict.
package main

import (
	"os"

	"github.com/fscachesim/fscachesim/mutate"
)

func main() {
	os.Exit(mutate.ProbeMain(os.Args[1:], os.Stdout, os.Stderr))
}
