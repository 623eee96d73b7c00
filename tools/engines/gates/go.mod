module slogen.local/tools/engines/gates

go 1.26.8

require github.com/expr-lang/expr v1.17.7

// Not built from: pinned for the CRD schemas their module zips carry
// (manifests/crds/analysis-template-crd.yaml, artifacts/flagger/crd.yaml), which
// tools/engines.mk finds with `go mod download -json`. `go mod tidy` would drop
// them: bump them with `go get MODULE@VERSION` only.
require (
	github.com/argoproj/argo-rollouts v1.10.1
	github.com/fluxcd/flagger v1.36.1
)
