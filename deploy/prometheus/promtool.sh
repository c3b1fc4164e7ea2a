#!/usr/bin/env bash
# Runs promtool without installing Prometheus: the first call downloads Debian 12's prometheus
# package with apt-get download (no root needed), keeps only promtool in
# ~/.cache/sigflow/promtool, and later calls reuse it.
#   deploy/prometheus/promtool.sh check rules deploy/prometheus/sigflow-alerts.yml
#   deploy/prometheus/promtool.sh test rules deploy/prometheus/sigflow-alerts.test.yml
#   deploy/prometheus/promtool.sh check config deploy/prometheus/prometheus.yml
set -euo pipefail

cache="${XDG_CACHE_HOME:-$HOME/.cache}/sigflow/promtool"
promtool="$cache/promtool"

if [ ! -x "$promtool" ]; then
  for tool in apt-get dpkg-deb; do
    command -v "$tool" > /dev/null || { echo "promtool.sh: needs $tool (Debian or Ubuntu)" >&2; exit 2; }
  done
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  if ! (cd "$work" && apt-get download -qq prometheus > "$work/apt.log" 2>&1); then
    cat "$work/apt.log" >&2
    echo "promtool.sh: apt-get download prometheus failed; run 'apt-get update' first if the package is unknown" >&2
    exit 2
  fi
  dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
  mkdir -p "$cache"
  staged="$(mktemp "$cache/promtool.XXXXXX")"
  install -m 0755 "$work/root/usr/bin/promtool" "$staged"
  mv -f "$staged" "$promtool"  # a rename: a concurrent run never sees half a binary
  rm -rf "$work"
  trap - EXIT
fi

exec "$promtool" "$@"
