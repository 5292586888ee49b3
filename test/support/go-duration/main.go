// Reads one duration per line and prints what Docker's provider reads back for it:
// time.ParseDuration then time.Duration.String(), or "error: ..." when Go rejects it.
package main

import (
	"bufio"
	"fmt"
	"os"
	"time"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		d, err := time.ParseDuration(in.Text())
		if err != nil {
			fmt.Printf("error: %v\n", err)
			continue
		}
		fmt.Println(d.String())
	}
}
