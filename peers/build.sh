#!/usr/bin/env bash
# Builds the real peers of the test suites into a cache outside the clone, only what is missing:
# kube-apiserver, kube-controller-manager and kubectl from k8s.io/kubernetes, etcd from go.etcd.io/etcd,
# Helm from helm.sh/helm and the Prometheus Operator's CRDs from its module, all through the Go module
# proxy, Keycloak's distribution from Maven Central, and the current LTS Node and the MCP
# Inspector from npm. Prints where they are and how long each phase took.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"
cache="${NEXTCLOUD_MCP_PEERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nextcloud-mcp/peers}"
mkdir -p "$cache"
export GOFLAGS="${GOFLAGS:--buildvcs=false} -trimpath"
export CGO_ENABLED=0

phase() { # name, marker file, function
  local name="$1" marker="$2" fn="$3" start
  if [ -e "$marker" ]; then
    echo "peers: $name cached ($marker)"
    return
  fi
  start=$(date +%s)
  "$fn"
  echo "peers: $name built in $(($(date +%s) - start)) s"
}

# k8s.io/kubernetes replaces its staging modules with folders of its own tree, which a module that
# requires it cannot see: the wrapper pins each one at the matching published v0.x.y instead.
build_kubernetes() {
  local dir="$cache/kubernetes-$K8S_VERSION" work
  work="$(mktemp -d)"
  (
    cd "$work"
    go mod init peers/kubernetes >/dev/null 2>&1
    local gomod
    gomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    {
      echo "require k8s.io/kubernetes v$K8S_VERSION"
      sed -n 's#^\t\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#replace \1 => \1 v0.'"${K8S_VERSION#1.}"'#p' "$gomod"
    } >>go.mod
    cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
    go mod tidy >/dev/null
    mkdir -p "$dir/bin.tmp"
    go build -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${K8S_VERSION#1.}" \
      -o "$dir/bin.tmp/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl
  )
  rm -rf "$work" "$dir/bin"
  mv "$dir/bin.tmp" "$dir/bin"
}

# etcd's own main package lives in a module of the repository root that is not published; its
# server module's etcdmain is what that main calls.
build_etcd() {
  local dir="$cache/etcd-$ETCD_VERSION" work
  work="$(mktemp -d)"
  (
    cd "$work"
    go mod init peers/etcd >/dev/null 2>&1
    echo "require go.etcd.io/etcd/server/v3 v$ETCD_VERSION" >>go.mod
    cat >main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
    go mod tidy >/dev/null
    mkdir -p "$dir/bin"
    go build -ldflags "-s -w" -o "$dir/bin/etcd.tmp" .
    mv "$dir/bin/etcd.tmp" "$dir/bin/etcd"
  )
  rm -rf "$work"
}

# Helm's Makefile sets the Kubernetes version `helm template` and `helm lint` assume from the
# client-go it is built with; without it they assume 1.20 (and refuse charts needing newer).
build_helm() {
  local dir="$cache/helm-$HELM_VERSION" gomod client_go flags
  gomod="$(go mod download -json "helm.sh/helm/v3@v$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  client_go="$(sed -n 's#^\tk8s\.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$gomod")"
  flags="-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION"
  for pkg in pkg/chartutil pkg/lint/rules; do
    flags+=" -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$client_go"
  done
  mkdir -p "$dir/bin"
  GOBIN="$dir/bin.tmp" go install -ldflags "$flags" "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
  mv "$dir/bin.tmp/helm" "$dir/bin/helm"
  rmdir "$dir/bin.tmp"
}

fetch_keycloak() {
  local dir="$cache/keycloak-$KEYCLOAK_VERSION" work
  work="$(mktemp -d)"
  mvn -q -B dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz" -DoutputDirectory="$work" -Dmdep.stripVersion=false
  tar -xzf "$work"/keycloak-quarkus-dist-*.tar.gz -C "$work"
  rm -rf "$dir"
  mv "$work/keycloak-$KEYCLOAK_VERSION" "$dir"
  rm -rf "$work"
}

# The CRDs ship in the operator's Go module (example/prometheus-operator-crd), so the module proxy has them.
fetch_prometheus_operator_crds() {
  local dir="$cache/prometheus-operator-$PROMETHEUS_OPERATOR_VERSION" src
  src="$(go mod download -json "github.com/prometheus-operator/prometheus-operator@v$PROMETHEUS_OPERATOR_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  mkdir -p "$dir/crds.tmp"
  cp "$src"/example/prometheus-operator-crd/monitoring.coreos.com_{servicemonitors,podmonitors,prometheusrules}.yaml "$dir/crds.tmp/"
  chmod u+w "$dir"/crds.tmp/*
  rm -rf "$dir/crds"
  mv "$dir/crds.tmp" "$dir/crds"
}

# npm packages into a folder of the cache, by way of a temporary one so a failed install leaves
# nothing that looks cached. Arguments: folder, package.json's dependencies and allowScripts (JSON),
# then extra npm flags.
npm_fetch() {
  local dir="$1" work
  work="$(mktemp -d "$dir.XXXXXX")"
  echo "{ \"private\": true, \"dependencies\": $2, \"allowScripts\": $3 }" >"$work/package.json"
  npm install --prefix "$work" --no-audit --no-fund --loglevel=error "${@:4}" >/dev/null
  rm -rf "$dir"
  mv "$work" "$dir"
}

# The current LTS Node from npm: the package `node` (its preinstall fetches the arch-specific binary
# package), kept here so it is first on no PATH unless asked for (.ci/run runs the suite on it).
fetch_node() {
  npm_fetch "$cache/node-$NODE_LTS_VERSION" "{ \"node\": \"$NODE_LTS_VERSION\" }" "{ \"node@$NODE_LTS_VERSION\": true }"
}

# The Inspector runs on that Node (it needs ≥ 22.19). Its postinstall only sets up a source
# checkout, so no script of it runs.
fetch_inspector() {
  npm_fetch "$cache/inspector-$INSPECTOR_VERSION" "{ \"@modelcontextprotocol/inspector\": \"$INSPECTOR_VERSION\" }" \
    "{ \"@modelcontextprotocol/inspector\": false }" --ignore-scripts
}

# `build.sh node-bin` only prints the folder of the LTS Node's binary (for PATH).
node_bin="$cache/node-$NODE_LTS_VERSION/node_modules/node/bin"
if [ "${1:-}" = node-bin ]; then
  echo "$node_bin"
  exit 0
fi

only="${1:-all}"
case "$only" in all | kubernetes) phase "kube-apiserver, kube-controller-manager, kubectl $K8S_VERSION" "$cache/kubernetes-$K8S_VERSION/bin/kubectl" build_kubernetes ;; esac
case "$only" in all | etcd) phase "etcd $ETCD_VERSION" "$cache/etcd-$ETCD_VERSION/bin/etcd" build_etcd ;; esac
case "$only" in all | helm) phase "helm $HELM_VERSION" "$cache/helm-$HELM_VERSION/bin/helm" build_helm ;; esac
case "$only" in all | prometheus-operator) phase "prometheus-operator CRDs $PROMETHEUS_OPERATOR_VERSION" "$cache/prometheus-operator-$PROMETHEUS_OPERATOR_VERSION/crds/monitoring.coreos.com_podmonitors.yaml" fetch_prometheus_operator_crds ;; esac
case "$only" in all | keycloak) phase "keycloak $KEYCLOAK_VERSION" "$cache/keycloak-$KEYCLOAK_VERSION/bin/kc.sh" fetch_keycloak ;; esac
case "$only" in all | node) phase "Node $NODE_LTS_VERSION" "$node_bin/node" fetch_node ;; esac
case "$only" in all | inspector) phase "MCP Inspector $INSPECTOR_VERSION" "$cache/inspector-$INSPECTOR_VERSION/node_modules/.bin/mcp-inspector" fetch_inspector ;; esac
