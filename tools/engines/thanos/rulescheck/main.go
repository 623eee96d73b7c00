// Command thanos-rules-check is `thanos tools rules-check` without the rest of Thanos.
//
// The full cmd/thanos build compiles every object-storage SDK and takes over
// 30 minutes cold on the test machine; the rules check itself is one call into
// github.com/thanos-io/thanos/pkg/rules. This program is checkRulesFiles from
// cmd/thanos/tools.go (v0.42.4, the version pinned in ../go.mod) with the same
// flag (--rules GLOB, repeated), logger, log lines and exit status, so the
// validation that runs is Thanos's own code, not a re-implementation.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/pkg/errors"
	"github.com/prometheus/common/version"

	"github.com/thanos-io/thanos/pkg/errutil"
	"github.com/thanos-io/thanos/pkg/logging"
	"github.com/thanos-io/thanos/pkg/rules"
)

// globs is the repeated --rules flag (kingpin's StringsVar upstream).
type globs []string

func (g *globs) String() string { return strings.Join(*g, ",") }

func (g *globs) Set(v string) error {
	*g = append(*g, v)
	return nil
}

func main() {
	var patterns globs
	flag.Var(&patterns, "rules", "The rule files glob to check (repeated).")
	showVersion := flag.Bool("version", false, "Show the Thanos version this was built from.")
	flag.Parse()
	if *showVersion {
		// The version ldflags of tools/engines.mk, as `thanos --version` prints them.
		fmt.Println(version.Print("thanos"))
		return
	}
	// Positional globs too, so `thanos-rules-check out/thanos/*.yml` works as well.
	patterns = append(patterns, flag.Args()...)
	if len(patterns) == 0 {
		fmt.Fprintln(os.Stderr, "thanos-rules-check: required flag --rules not provided")
		os.Exit(2)
	}

	// The defaults of cmd/thanos/main.go: --log.level=info --log.format=logfmt.
	logger, err := logging.NewLogger("info", logging.LogFormatLogfmt, "")
	if err != nil {
		fmt.Fprintf(os.Stderr, "failed to create logger: %v\n", err)
		os.Exit(1)
	}
	if err := checkRulesFiles(logger, patterns); err != nil {
		// As cmd/thanos/main.go reports a failed command.
		level.Error(logger).Log("err", fmt.Sprintf("%+v", errors.Wrapf(err, "%s command failed", "tools rules-check")))
		os.Exit(1)
	}
	level.Info(logger).Log("msg", "exiting")
}

// checkRulesFiles is cmd/thanos/tools.go's, line for line (patterns by value, not pointer).
func checkRulesFiles(logger log.Logger, patterns []string) error {
	var failed errutil.MultiError

	for _, p := range patterns {
		level.Info(logger).Log("msg", "checking", "pattern", p)
		matches, err := filepath.Glob(p)
		if err != nil || matches == nil {
			err = errors.New("matching file not found")
			level.Error(logger).Log("result", "FAILED", "error", err)
			failed.Add(err)
			continue
		}
		for _, fn := range matches {
			level.Info(logger).Log("msg", "checking", "filename", filepath.Clean(fn))
			f, er := os.Open(fn)
			if er != nil {
				level.Error(logger).Log("result", "FAILED", "error", er)
				failed.Add(er)
				continue
			}
			defer func() { _ = f.Close() }()

			n, errs := rules.ValidateAndCount(f)
			if errs.Err() != nil {
				level.Error(logger).Log("result", "FAILED")
				for _, e := range errs {
					level.Error(logger).Log("error", e.Error())
					failed.Add(e)
				}
				continue
			}
			level.Info(logger).Log("result", "SUCCESS", "rules found", n)
		}
	}
	return failed.Err()
}
