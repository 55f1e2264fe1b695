#!/usr/bin/env bash
# The README's install path on a kind cluster, end to end (needs docker, kind, helm, kubectl):
#   test/e2e/kind.sh up     cluster, image, Keycloak, chart, a tenant; prints the variables the suite reads
#   test/e2e/kind.sh down   removes the cluster and Keycloak
# `npm run e2e:kind` runs `up`, the suite (test/e2e/kind.test.ts: a real MCP client through the
# proxy, token from Keycloak, to a tool call) and `down`.
set -euo pipefail
cd "$(dirname "$0")/../.."

CLUSTER=${CLUSTER:-nextcloud-mcp-e2e}
IMAGE=nextcloud-mcp:e2e
KEYCLOAK=nextcloud-mcp-e2e-keycloak
KEYCLOAK_IMAGE=${KEYCLOAK_IMAGE:-quay.io/keycloak/keycloak:26.4}
NAMESPACE=tenant-e2e

down() {
  kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
  docker rm -f "$KEYCLOAK" >/dev/null 2>&1 || true
}

up() {
  kind get clusters | grep -qx "$CLUSTER" || kind create cluster --name "$CLUSTER" --wait 120s
  # The kind network's gateway is this host as pods see it: Keycloak and the Nextcloud stand-in
  # listen there, so issuer URLs are the same from the host and from the pods.
  local gateway
  gateway=$(docker network inspect kind -f '{{range .IPAM.Config}}{{if .Gateway}}{{.Gateway}} {{end}}{{end}}' | tr ' ' '\n' | grep -m1 '\.')

  docker build -t "$IMAGE" .
  kind load docker-image "$IMAGE" --name "$CLUSTER"

  docker rm -f "$KEYCLOAK" >/dev/null 2>&1 || true
  docker run -d --name "$KEYCLOAK" -p "$gateway:8180:8080" \
    -e KC_BOOTSTRAP_ADMIN_USERNAME=admin -e KC_BOOTSTRAP_ADMIN_PASSWORD=admin \
    -e KC_HOSTNAME="http://$gateway:8180" \
    -v "$PWD/keycloak/realm-nextcloud-mcp.json:/opt/keycloak/data/import/realm-nextcloud-mcp.json:ro" \
    "$KEYCLOAK_IMAGE" start-dev --import-realm >/dev/null
  until curl -fsS "http://$gateway:8180/realms/nextcloud-mcp/.well-known/openid-configuration" >/dev/null; do sleep 2; done

  # The install path of README.md.
  helm upgrade --install nextcloud-mcp-operator ./helm/nextcloud-mcp-operator \
    --namespace nextcloud-mcp-system --create-namespace \
    --set image.repository=nextcloud-mcp --set image.tag=e2e --set image.pullPolicy=Never --wait
  kubectl create namespace "$NAMESPACE" --dry-run=client -o yaml | kubectl apply -f -
  kubectl -n "$NAMESPACE" create secret generic keycloak-admin \
    --from-literal=username=admin --from-literal=password=admin --dry-run=client -o yaml | kubectl apply -f -

  echo "E2E_GATEWAY=$gateway"
  echo "E2E_ISSUER=http://$gateway:8180/realms/nextcloud-mcp"
  echo "E2E_NAMESPACE=$NAMESPACE"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
