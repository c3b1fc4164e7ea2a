#!/usr/bin/env bash
# Installs every Debian 12 package sigflow needs. Idempotent: installs only what is missing.
#   deploy/setup-debian.sh            build + test dependencies (what `make demo` / `make test` need)
#   deploy/setup-debian.sh --build    build dependencies only (the Dockerfile's build stage)
#   deploy/setup-debian.sh --runtime  shared libraries the sigflow binary needs at run time
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libsimdjson-dev librdkafka-dev prometheus-cpp-dev
  libvectorscan-dev libre2-dev libyaml-cpp-dev libxml2-dev libcurl4-openssl-dev
  libopencc-dev opencc libicu-dev libssl-dev librocksdb-dev libcli11-dev libspdlog-dev libfmt-dev libdtl-dev
)
TEST_PKGS=(
  libgtest-dev libgmock-dev libbenchmark-dev python3 curl clang-14 libclang-rt-14-dev
  default-jre-headless maven kcat openssl
)
# RocksDB is linked statically (Debian's CMake package exports librocksdb.a); libsnappy is the
# compression library it needs at run time.
RUNTIME_PKGS=(
  ca-certificates libsimdjson14 librdkafka++1 libprometheus-cpp-core1.0 libvectorscan5 libre2-9
  libyaml-cpp0.7 libxml2 libcurl4 libopencc1.1 opencc libicu72 libsnappy1v5 libspdlog1.10 libfmt9 libssl3
)

case "${1:-all}" in
  all) pkgs=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}") ;;
  --build) pkgs=("${BUILD_PKGS[@]}") ;;
  --runtime) pkgs=("${RUNTIME_PKGS[@]}") ;;
  *) echo "usage: $0 [--build|--runtime]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-debian: all ${#pkgs[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup-debian: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
