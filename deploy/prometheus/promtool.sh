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
  download() { (cd "$work" && apt-get download -qq prometheus > "$work/apt.log" 2>&1); }
  if ! download; then
    # The package lists may be missing (a machine that had every package already, a cleaned
    # image): refresh them once, as setup-debian.sh would.
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq > "$work/update.log" 2>&1 || cat "$work/update.log" >&2
    if ! download; then
      cat "$work/apt.log" >&2
      echo "promtool.sh: apt-get download prometheus failed" >&2
      exit 2
    fi
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
