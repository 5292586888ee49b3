// Reads one CPU count per line (a decimal) and prints how the docker provider
// writes NanoCPUs back to state: the spelling of terraform-provider-docker's
// nanoInt64ToDecimalString, with Go's big.Rat doing the decimal formatting.
package main

import (
	"bufio"
	"fmt"
	"math/big"
	"os"
	"strings"
)

func readBack(nano int64) string {
	if nano == 0 {
		return "0"
	}
	seconds := new(big.Rat).SetFrac64(nano, 1_000_000_000)
	nine := seconds.FloatString(9)
	if strings.Count(nine, "0") == 9 {
		return seconds.FloatString(1)
	}
	return strings.TrimRight(nine, "0")
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cpus, ok := new(big.Rat).SetString(strings.TrimSpace(in.Text()))
		if !ok {
			fmt.Println("error: not a number")
			continue
		}
		// docker's --cpus parser: the value times 1e9, as an exact integer.
		nano := new(big.Rat).Mul(cpus, big.NewRat(1_000_000_000, 1))
		if !nano.IsInt() {
			fmt.Println("error: more than nine decimals")
			continue
		}
		fmt.Println(readBack(nano.Num().Int64()))
	}
}
