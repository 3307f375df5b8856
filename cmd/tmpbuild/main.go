package main

import (
	"context"
	"fmt"
	"os"

	"github.com/parley/parley/cmd/parley-bench/benchreads"
)

func main() {
	s, err := benchreads.Build(context.Background(), os.Args[1], 1_000_000)
	fmt.Println(s, err)
}
