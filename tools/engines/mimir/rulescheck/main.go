// Command mimir-rules-check is `mimirtool rules check` and `mimirtool rules lint --dry-run`
// without the rest of mimirtool.
//
// mimirtool's commands package holds every subcommand (backfill, analyze, bucket
// validation, ...), so building it compiles most of Mimir, which did not finish in
// 15 minutes on the test machine. The rule-file checks themselves live in
// github.com/grafana/mimir/pkg/mimirtool/rules; this program is checkRules and lint
// from pkg/mimirtool/commands/rules.go at the commit pinned in ../go.mod, calling
// that package with the same backend, name validation scheme, PromQL parser options
// and logger, so the parsing and validation that run are Mimir's own code.
//
//	mimir-rules-check check [--strict] FILE...  # mimirtool rules check [--strict] FILE...
//	mimir-rules-check lint FILE...              # mimirtool rules lint --dry-run FILE...
//	mimir-rules-check version                   # the Mimir and Prometheus modules it was built from
package main

import (
	"flag"
	"fmt"
	"os"
	"reflect"
	"runtime/debug"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/pkg/errors"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"

	mimirlog "github.com/grafana/mimir/pkg/mimirtool/log"
	"github.com/grafana/mimir/pkg/mimirtool/rules"
	"github.com/grafana/mimir/pkg/mimirtool/rules/rwrulefmt"
	"github.com/grafana/mimir/pkg/mimirtool/util"
)

func usage() {
	fmt.Fprintln(os.Stderr, "usage: mimir-rules-check check [--strict] FILE... | lint FILE... | version")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	if os.Args[1] == "version" {
		printVersion()
		return
	}
	cmd := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	strict := cmd.Bool("strict", false, "fails rules checks that do not match best practices exactly")
	experimental := cmd.Bool("enable-experimental-functions", false, "If set, enables parsing experimental PromQL functions.")
	_ = cmd.Parse(os.Args[2:])
	files := cmd.Args()
	// kingpin's ExistingFilesVar upstream: every argument must be an existing file.
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			fmt.Fprintf(os.Stderr, "mimir-rules-check: error: path '%s' does not exist or is not a file\n", f)
			os.Exit(1)
		}
	}

	// mimirtool's default --log.level=info.
	logger, err := mimirlog.NewLogger("info")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	switch os.Args[1] {
	case "check":
		err = checkRules(files, *strict, *experimental, logger)
	case "lint":
		err = lint(files, *experimental, logger)
	default:
		usage()
	}
	if err != nil {
		// As kingpin.MustParse reports an action's error.
		fmt.Fprintf(os.Stderr, "mimir-rules-check: error: %v\n", err)
		os.Exit(1)
	}
}

// printVersion prints the versions of the modules whose code does the checking, from the
// build information Go records in the binary (no ldflags to keep in step with go.mod).
func printVersion() {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(os.Stderr, "mimir-rules-check: no build information")
		os.Exit(1)
	}
	for _, dep := range info.Deps {
		if dep.Path == "github.com/grafana/mimir" || dep.Path == "github.com/prometheus/prometheus" {
			line := dep.Path + " " + dep.Version
			if dep.Replace != nil {
				line += " => " + dep.Replace.Path + " " + dep.Replace.Version
			}
			fmt.Println(line)
		}
	}
}

// checkRules is RuleCommand.checkRules (no --rule-dirs; the namespace options do not apply).
func checkRules(files []string, strict, experimental bool, logger log.Logger) error {
	promqlParser := util.CreatePromQLParser(experimental)

	// TODO: Get scheme from CLI flag.
	namespaces, err := rules.ParseFiles(rules.MimirBackend, files, model.LegacyValidation, promqlParser, logger)
	if err != nil {
		return errors.Wrap(err, "check operation unsuccessful, unable to parse rules files")
	}

	for _, ruleNamespace := range namespaces {
		n := ruleNamespace.CheckRecordingRules(strict, logger)
		if n != 0 {
			return fmt.Errorf("%d erroneous recording rule names", n)
		}
		duplicateRules := checkDuplicates(ruleNamespace.Groups)
		if len(duplicateRules) != 0 {
			if strict {
				level.Error(logger).Log("msg", "duplicate rules found", "namespace", ruleNamespace.Namespace, "error", "rules should emit unique series, to avoid producing inconsistencies while recording expressions", "duplicate_rules", len(duplicateRules))
			} else {
				level.Warn(logger).Log("msg", "duplicate rules found", "namespace", ruleNamespace.Namespace, "error", "rules should emit unique series, to avoid producing inconsistencies while recording expressions", "duplicate_rules", len(duplicateRules))
			}
			for _, n := range duplicateRules {
				if strict {
					level.Error(logger).Log("msg", "duplicate rule", "namespace", ruleNamespace.Namespace, "metric", n.metric, "labels", fmt.Sprintf("%v", n.label))
				} else {
					level.Warn(logger).Log("msg", "duplicate rule", "namespace", ruleNamespace.Namespace, "metric", n.metric, "labels", fmt.Sprintf("%v", n.label))
				}
			}
			if strict {
				return fmt.Errorf("%d duplicate rules found in namespace %q", len(duplicateRules), ruleNamespace.Namespace)
			}
		}
	}

	return nil
}

// lint is RuleCommand.lint with --dry-run: the files are never rewritten.
func lint(files []string, experimental bool, logger log.Logger) error {
	promqlParser := util.CreatePromQLParser(experimental)

	// TODO: Get scheme from CLI flag.
	namespaces, err := rules.ParseFiles(rules.MimirBackend, files, model.LegacyValidation, promqlParser, logger)
	if err != nil {
		return errors.Wrap(err, "prepare operation unsuccessful, unable to parse rules files")
	}

	var count, mod int
	for _, ruleNamespace := range namespaces {
		c, m, err := ruleNamespace.LintExpressions(rules.MimirBackend, promqlParser, logger)
		if err != nil {
			return err
		}

		count += c
		mod += m
	}

	level.Info(logger).Log("msg", "SUCCESS", "rules_found", count, "linted_expressions", mod)

	return nil
}

// Taken, as mimirtool does, from https://github.com/prometheus/prometheus/blob/8c8de46003d1800c9d40121b4a5e5de8582ef6e1/cmd/promtool/main.go#L403
// (unexported in pkg/mimirtool/commands, so copied from there unchanged).
type compareRuleType struct {
	metric string
	label  map[string]string
}

func checkDuplicates(groups []rwrulefmt.RuleGroup) []compareRuleType {
	var duplicates []compareRuleType

	for _, group := range groups {
		for index, rule := range group.Rules {
			inst := compareRuleType{
				metric: ruleMetric(rule),
				label:  rule.Labels,
			}
			for i := 0; i < index; i++ {
				t := compareRuleType{
					metric: ruleMetric(group.Rules[i]),
					label:  group.Rules[i].Labels,
				}
				if reflect.DeepEqual(t, inst) {
					duplicates = append(duplicates, t)
				}
			}
		}
	}
	return duplicates
}

func ruleMetric(rule rulefmt.Rule) string {
	if rule.Alert != "" {
		return rule.Alert
	}
	return rule.Record
}
