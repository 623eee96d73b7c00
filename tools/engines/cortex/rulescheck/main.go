// Command cortex-rules-check checks rule files the way Cortex's ruler accepts them, without
// building Cortex.
//
// Cortex (Apache-2.0) takes a rule group through its ruler API (pkg/ruler/api.go,
// CreateRuleGroup): the group's YAML is unmarshalled into Prometheus's rulefmt.RuleGroup,
// validated by DefaultMultiTenantManager.ValidateRuleGroup (pkg/ruler/manager.go: a
// non-empty name, at least one rule, every expression parsed by Cortex's own PromQL parser
// with its extra functions, every rule's fields by Prometheus's rulefmt with the name
// validation scheme), held to the per-tenant limits, and stored as the rulespb protobuf
// it is read back from. This program runs those steps on namespace files, the format
// `cortextool rules load` and Mimir's `mimirtool rules load` both read (`namespace:` and
// `groups:`), at the Cortex version pinned in ../go.mod. ValidateRuleGroup is a method
// on the ruler's manager, whose package compiles the whole ruler, so its body is repeated
// here over the same packages (pkg/parser, rulefmt); the rest are Cortex's functions.
//
// It replaces a checker built from Grafana Mimir's code, which is AGPL-3.0 and may not be
// linked into this Apache-2.0 project's tools.
//
//	cortex-rules-check check [--max-rules-per-group N] [--max-groups N] [--utf8] FILE...
//	cortex-rules-check version
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/cortexproject/cortex/pkg/parser"
	"github.com/cortexproject/cortex/pkg/ruler/rulespb"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"gopkg.in/yaml.v3"
)

// namespaceFile is a cortextool/mimirtool rule file: one namespace and its groups. Unknown
// keys are refused, as the tools' strict read does.
type namespaceFile struct {
	Namespace string      `yaml:"namespace"`
	Groups    []yaml.Node `yaml:"groups"`
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: cortex-rules-check check [--max-rules-per-group N] [--max-groups N] [--utf8] FILE... | version")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "version":
		printVersion()
	case "check":
		cmd := flag.NewFlagSet("check", flag.ExitOnError)
		maxRules := cmd.Int("max-rules-per-group", 0, "the ruler's ruler_max_rules_per_rule_group limit (0: none, Cortex's default)")
		maxGroups := cmd.Int("max-groups", 0, "the ruler's ruler_max_rule_groups_per_tenant limit over all FILEs (0: none, Cortex's default)")
		utf8 := cmd.Bool("utf8", false, "name_validation_scheme: utf8 (Cortex's default is legacy)")
		_ = cmd.Parse(os.Args[2:])
		scheme := model.LegacyValidation
		if *utf8 {
			scheme = model.UTF8Validation
		}
		if cmd.NArg() == 0 {
			usage()
		}
		groups, rules, errs := checkFiles(cmd.Args(), scheme, *maxRules, *maxGroups)
		for _, err := range errs {
			fmt.Fprintln(os.Stderr, err)
		}
		if len(errs) > 0 {
			fmt.Fprintf(os.Stderr, "FAILED errors=%d\n", len(errs))
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "SUCCESS groups=%d rules_found=%d\n", groups, rules)
	default:
		usage()
	}
}

// checkFiles checks every group of every file as one tenant's rules.
func checkFiles(files []string, scheme model.ValidationScheme, maxRules, maxGroups int) (int, int, []error) {
	var errs []error
	seen := map[string]string{}
	groups, rules := 0, 0
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var ns namespaceFile
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&ns); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			continue
		}
		if ns.Namespace == "" {
			errs = append(errs, fmt.Errorf("%s: no namespace", path))
			continue
		}
		if other, dup := seen[ns.Namespace]; dup {
			errs = append(errs, fmt.Errorf("%s: namespace %q is also in %s", path, ns.Namespace, other))
		}
		seen[ns.Namespace] = path
		names := map[string]bool{}
		for _, node := range ns.Groups {
			groups++
			g, gerrs := acceptGroup(&node, ns.Namespace, scheme, maxRules)
			for _, e := range gerrs {
				errs = append(errs, fmt.Errorf("%s: namespace %s: %w", path, ns.Namespace, e))
			}
			if names[g.Name] {
				errs = append(errs, fmt.Errorf("%s: namespace %s: group %q twice", path, ns.Namespace, g.Name))
			}
			names[g.Name] = true
			rules += len(g.Rules)
		}
	}
	if maxGroups > 0 && groups > maxGroups {
		errs = append(errs, fmt.Errorf("per-user rule groups limit (limit: %d actual: %d) exceeded", maxGroups, groups))
	}
	return groups, rules, errs
}

// acceptGroup is the ruler API's CreateRuleGroup for one group: unmarshal, validate, limit,
// and the protobuf round trip the ruler stores it through.
func acceptGroup(node *yaml.Node, namespace string, scheme model.ValidationScheme, maxRules int) (rulefmt.RuleGroup, []error) {
	payload, err := yaml.Marshal(node)
	if err != nil {
		return rulefmt.RuleGroup{}, []error{err}
	}
	// The ruler API's read is lenient, the rule tools' file read strict: a key the ruler
	// would drop silently is an error here.
	var rg rulefmt.RuleGroup
	dec := yaml.NewDecoder(bytes.NewReader(payload))
	dec.KnownFields(true)
	if err := dec.Decode(&rg); err != nil {
		return rg, []error{fmt.Errorf("unable to unmarshal rule group payload: %w", err)}
	}
	errs := validateRuleGroup(rg, scheme)
	if maxRules > 0 && len(rg.Rules) > maxRules {
		errs = append(errs, fmt.Errorf("per-user rules per rule group limit (limit: %d actual: %d) exceeded", maxRules, len(rg.Rules)))
	}
	loaded := rulespb.FromProto(rulespb.ToProto("tenant", namespace, rg))
	back, err := yaml.Marshal(loaded)
	if err == nil {
		err = yaml.Unmarshal(back, &rulefmt.RuleGroup{})
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("unable to load rule group from proto: %w", err))
	}
	if len(errs) == 0 && !bytes.Equal(back, mustMarshal(rg)) {
		// The ruler evaluates what it stored: a field the protobuf drops changes the group.
		errs = append(errs, fmt.Errorf("group %q: the stored group differs from the file:\n%s", rg.Name, back))
	}
	return rg, errs
}

func mustMarshal(rg rulefmt.RuleGroup) []byte {
	out, err := yaml.Marshal(rg)
	if err != nil {
		panic(err)
	}
	return out
}

// validateRuleGroup is the body of Cortex's DefaultMultiTenantManager.ValidateRuleGroup
// (pkg/ruler/manager.go at the pinned version), with the scheme the ruler is configured with.
func validateRuleGroup(g rulefmt.RuleGroup, scheme model.ValidationScheme) []error {
	var errs []error
	if g.Name == "" {
		return append(errs, errors.New("invalid rules config: rule group name must not be empty"))
	}
	if len(g.Rules) == 0 {
		return append(errs, fmt.Errorf("invalid rules config: rule group '%s' has no rules", g.Name))
	}
	for i, r := range g.Rules {
		ruleName := r.Record
		if r.Alert != "" {
			ruleName = r.Alert
		}
		if r.Expr != "" {
			if _, err := parser.ParseExpr(r.Expr); err != nil {
				// Cortex answers with an empty rulefmt.WrappedError here; the parser's own message
				// is written instead so a failing test says why.
				errs = append(errs, fmt.Errorf("group %q, rule %d, %q: could not parse expression: %w", g.Name, i, ruleName, err))
			}
		}
		for _, err := range r.Validate(rulefmt.RuleNode{}, scheme) {
			if !strings.Contains(err.Error(), "could not parse expression") {
				errs = append(errs, &rulefmt.Error{Group: g.Name, Rule: i, RuleName: ruleName, Err: err})
			}
		}
	}
	return errs
}

// printVersion prints the modules whose code does the checking, from the build information.
func printVersion() {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(os.Stderr, "cortex-rules-check: no build information")
		os.Exit(1)
	}
	for _, dep := range info.Deps {
		if dep.Path == "github.com/cortexproject/cortex" || dep.Path == "github.com/prometheus/prometheus" {
			line := dep.Path + " " + dep.Version
			if dep.Replace != nil {
				line += " => " + dep.Replace.Path + " " + dep.Replace.Version
			}
			fmt.Println(line)
		}
	}
}
