#!/usr/bin/env bash
# Prints a PrometheusRule (Prometheus Operator) carrying deploy/prometheus/sigflow-alerts.yml,
# so that the alert rules exist in one file only. A rules file's top level (groups:) is what
# a PrometheusRule's spec holds, so the file is indented under spec as it is.
#   deploy/k8s/prometheusrule.sh | kubectl apply -f -
#   deploy/k8s/prometheusrule.sh release=kube-prometheus-stack | kubectl apply -f -
# Extra key=value arguments become labels, for a Prometheus whose ruleSelector needs them.
set -euo pipefail

rules="$(dirname "$0")/../prometheus/sigflow-alerts.yml"
namespace="${SIGFLOW_NAMESPACE:-sigflow}"

cat <<YAML
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: sigflow
  namespace: ${namespace}
  labels:
    app.kubernetes.io/name: sigflow
    app.kubernetes.io/part-of: sigflow
YAML
for label in "$@"; do
  case "$label" in
    *=*) printf '    %s: "%s"\n' "${label%%=*}" "${label#*=}" ;;
    *) echo "prometheusrule.sh: labels are key=value, got '$label'" >&2; exit 2 ;;
  esac
done
echo "spec:"
sed -e 's/^\(.\)/  \1/' "$rules"
