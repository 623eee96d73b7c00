// Command gate-eval gives the verdict Argo Rollouts and Flagger give on one Prometheus
// answer, so the tests can run slogen's release gates through the tools' own rules.
//
// Argo Rollouts (v1.10.1, pinned in ../go.mod): metricproviders/prometheus turns the
// answer into `result` (processResponse: a vector is a []float64 of its samples' values,
// an empty vector an empty slice; a scalar a float64), then utils/evaluate.EvaluateResult
// runs successCondition and failureCondition through github.com/expr-lang/expr with the
// environment of EvalCondition. Both are repeated below from those files (Apache-2.0);
// expr is the version Argo Rollouts v1.10.1 requires.
//
// Flagger (v1.36.1): pkg/metrics/providers/prometheus.go RunQuery keeps the value of the
// last sample of the vector; none, or NaN, is ErrNoValuesFound, on which
// pkg/controller/scheduler_metrics.go halts advancement (a failed check); otherwise
// thresholdRange's min and max halt it when the value is below or above them.
//
//	gate-eval argo -success COND [-failure COND] < answer.json   # prints Successful|Failed|Inconclusive|Error: ...
//	gate-eval flagger [-min X] [-max X] < answer.json            # prints pass VALUE | halt: reason
//
// answer.json is the `data` object of Prometheus' /api/v1/query answer
// ({"resultType": ..., "result": ...}), or the whole answer.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"strconv"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
)

type answer struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

type sample struct {
	Value []any `json:"value"`
}

func readAnswer(r io.Reader) (answer, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return answer{}, err
	}
	var whole struct {
		Data *answer `json:"data"`
	}
	if err := json.Unmarshal(raw, &whole); err == nil && whole.Data != nil {
		return *whole.Data, nil
	}
	var a answer
	err = json.Unmarshal(raw, &a)
	return a, err
}

func parseValue(v any) (float64, error) {
	text, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("sample value %v is not a string", v)
	}
	return strconv.ParseFloat(text, 64)
}

// argoResult is what processResponse hands EvaluateResult.
func argoResult(a answer) (any, error) {
	switch a.ResultType {
	case "scalar":
		var pair []any
		if err := json.Unmarshal(a.Result, &pair); err != nil || len(pair) != 2 {
			return nil, fmt.Errorf("bad scalar %s", a.Result)
		}
		return parseValue(pair[1])
	case "vector":
		var samples []sample
		if err := json.Unmarshal(a.Result, &samples); err != nil {
			return nil, err
		}
		out := make([]float64, 0, len(samples))
		for _, s := range samples {
			f, err := parseValue(s.Value[1])
			if err != nil {
				return nil, err
			}
			out = append(out, f)
		}
		return out, nil
	}
	// Argo also flattens a matrix; slogen's gates are instant queries, so it is refused here.
	return nil, fmt.Errorf("Prometheus metric type not supported")
}

// evaluateResult is EvaluateResult of argo-rollouts utils/evaluate (phases as text).
func evaluateResult(result any, success, failure string) (string, error) {
	successCondition, failCondition := false, false
	var err error
	if success != "" {
		if successCondition, err = evalCondition(result, success); err != nil {
			return "Error", err
		}
	}
	if failure != "" {
		if failCondition, err = evalCondition(result, failure); err != nil {
			return "Error", err
		}
	}
	switch {
	case success == "" && failure == "":
		return "Successful", nil
	case success != "" && failure == "":
		failCondition = !successCondition
	case success == "" && failure != "":
		successCondition = !failCondition
	}
	if failCondition {
		return "Failed", nil
	}
	if !successCondition {
		return "Inconclusive", nil
	}
	return "Successful", nil
}

// evalCondition is EvalCondition of argo-rollouts utils/evaluate, with its environment.
func evalCondition(resultValue any, condition string) (bool, error) {
	var err error
	env := map[string]any{
		"result":  valueFromPointer(resultValue),
		"asInt":   asInt,
		"asFloat": asFloat,
		"isNaN":   math.IsNaN,
		"isInf":   func(f float64) bool { return math.IsInf(f, 0) },
		"isNil":   func(_ any) bool { return isNil(resultValue) },
		"default": func(_ any, d any) any {
			if isNil(resultValue) {
				return d
			}
			return valueFromPointer(resultValue)
		},
	}
	unwrap := func(e error) error {
		if fileErr, ok := err.(*file.Error); ok {
			e = errors.New(fileErr.Message)
		}
		return e
	}
	program, err := expr.Compile(condition, expr.Env(env))
	if err != nil {
		return false, unwrap(err)
	}
	output, err := expr.Run(program, env)
	if err != nil {
		return false, unwrap(err)
	}
	if val, ok := output.(bool); ok {
		return val, nil
	}
	return false, fmt.Errorf("expected bool, but got %T", output)
}

func asInt(in any) int64 {
	switch i := in.(type) {
	case float64:
		return int64(i)
	case int:
		return int64(i)
	case int64:
		return i
	case string:
		v, err := strconv.ParseInt(i, 10, 64)
		if err == nil {
			return v
		}
		panic(err)
	}
	panic(fmt.Sprintf("asInt() not supported on %v %v", reflect.TypeOf(in), in))
}

func asFloat(in any) float64 {
	switch i := in.(type) {
	case float64:
		return i
	case int:
		return float64(i)
	case int64:
		return float64(i)
	case string:
		v, err := strconv.ParseFloat(i, 64)
		if err == nil {
			return v
		}
		panic(err)
	}
	panic(fmt.Sprintf("asFloat() not supported on %v %v", reflect.TypeOf(in), in))
}

func isNil(in any) bool {
	if in == nil {
		return true
	}
	switch reflect.TypeOf(in).Kind() {
	case reflect.Ptr, reflect.Map, reflect.Array, reflect.Chan, reflect.Slice:
		return reflect.ValueOf(in).IsNil()
	}
	return false
}

func valueFromPointer(in any) any {
	if isNil(in) {
		return nil
	}
	if reflect.TypeOf(in).Kind() != reflect.Ptr {
		return in
	}
	return reflect.ValueOf(in).Elem().Interface()
}

// flaggerValue is RunQuery's reading of the answer: the last sample's value.
func flaggerValue(a answer) (float64, error) {
	var samples []sample
	if err := json.Unmarshal(a.Result, &samples); err != nil {
		return 0, fmt.Errorf("error unmarshaling result: %w", err)
	}
	var value *float64
	for _, s := range samples {
		if text, ok := s.Value[1].(string); ok {
			f, err := strconv.ParseFloat(text, 64)
			if err != nil {
				return 0, err
			}
			value = &f
		}
	}
	if value == nil || math.IsNaN(*value) {
		return 0, errors.New("no values found")
	}
	return *value, nil
}

func optional(set *flag.FlagSet, name string) *string {
	return set.String(name, "", "thresholdRange."+name)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gate-eval argo|flagger [flags] < answer.json")
		os.Exit(2)
	}
	set := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	success := set.String("success", "", "successCondition")
	failure := set.String("failure", "", "failureCondition")
	lo, hi := optional(set, "min"), optional(set, "max")
	_ = set.Parse(os.Args[2:])
	a, err := readAnswer(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reading the answer:", err)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "argo":
		result, err := argoResult(a)
		if err != nil {
			fmt.Println("Error:", err)
			return
		}
		phase, err := evaluateResult(result, *success, *failure)
		if err != nil {
			fmt.Printf("%s: %v\n", phase, err)
			return
		}
		fmt.Println(phase)
	case "flagger":
		val, err := flaggerValue(a)
		if err != nil {
			fmt.Println("halt:", err)
			return
		}
		for _, bound := range []struct {
			text  string
			below bool
		}{{*lo, true}, {*hi, false}} {
			if bound.text == "" {
				continue
			}
			limit, err := strconv.ParseFloat(bound.text, 64)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bad bound:", err)
				os.Exit(2)
			}
			if (bound.below && val < limit) || (!bound.below && val > limit) {
				fmt.Printf("halt: %v outside the threshold range\n", val)
				return
			}
		}
		fmt.Println("pass", val)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
}
