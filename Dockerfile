# syntax=docker/dockerfile:1
# The sigflow image: one binary, the default config, the sample feeds and the shipped rules.
#
#   docker build -t sigflow:dev .
#   docker build -t sigflow:0.1.0 --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
#
#   docker run --rm -p 127.0.0.1:9464:9464 sigflow:dev                   # standalone, sample feeds, alerts on stdout
#   docker run --rm sigflow:dev run --once                               # poll once, drain, exit
#   docker run --rm sigflow:dev rules check /etc/sigflow/rules
#   docker run --rm -v "$PWD/my.yaml:/etc/sigflow/site/sigflow.yaml:ro" \
#     -e SIGFLOW_CONFIG=/etc/sigflow/site/sigflow.yaml sigflow:dev connect
#
# Layout: /etc/sigflow mirrors the repository (config/ and rules/ side by side), so relative
# paths in config/sigflow.yaml (samples/..., ../rules) and in deploy/*/sigflow.yaml (mounted at
# /etc/sigflow/deploy/<name>/) resolve the same way in a checkout and in a container.
# State (source memory and the alert outbox) goes to the /var/lib/sigflow volume.
# deploy/compose and deploy/k8s show Kafka mode with this image.
#
# Size: about 159 MB uncompressed: debian:12-slim (75 MB), the runtime libraries (72 MB, ICU
# 36 MB and Vectorscan 13 MB the largest), the binary (10 MB) and the config and rules (0.1 MB).
# Measured without a Docker engine, on a Debian 12 minbase root made slim the way the official
# image is, with setup-debian.sh --runtime, curl and the stripped release binary installed.

FROM debian:12 AS build
# The package script alone first: the dependency layer is rebuilt only when it changes.
COPY deploy/setup-debian.sh /tmp/setup-debian.sh
RUN bash /tmp/setup-debian.sh --build && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Only what the sigflow target compiles, so edits to docs/, tests/ or deploy/ keep the
# compile layer cached.
COPY CMakeLists.txt CMakePresets.json ./
COPY engine/ engine/
COPY connectors/ connectors/
ARG BUILD_JOBS=2
# Tests are off: the build stage has no googletest (setup-debian.sh --build). The ccache
# directory is a BuildKit cache mount, so a rebuild after a small change recompiles little.
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake --preset release -DSIGFLOW_BUILD_TESTS=OFF \
 && cmake --build --preset release -j"${BUILD_JOBS}" --target sigflow \
 && strip --strip-unneeded build/release/engine/sigflow

FROM debian:12-slim
COPY deploy/setup-debian.sh /tmp/setup-debian.sh
# curl is for HEALTHCHECK only: the slim image has no other HTTP client, and a probe must see
# the status code of /healthz. It costs little next to libcurl, which sigflow links anyway.
# Unpinned, like setup-debian.sh: Debian 12 replaces versions with security updates.
# hadolint ignore=DL3008
RUN bash /tmp/setup-debian.sh --runtime \
 && apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* /tmp/setup-debian.sh

# A fixed numeric uid, so Kubernetes' runAsNonRoot can verify it and volumes can be chowned
# to it from outside.
RUN groupadd --system --gid 10001 sigflow \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/sigflow --no-create-home \
      --shell /usr/sbin/nologin sigflow \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/sigflow

COPY --from=build /src/build/release/engine/sigflow /usr/local/bin/sigflow
# Owned by root: the process reads its config and rules but cannot change them.
COPY config/ /etc/sigflow/config/
COPY rules/ /etc/sigflow/rules/

# SIGFLOW_STATE_DIR keeps the outbox on the volume even with the default config, which has no
# state section: alerts waiting for a receiver survive a container restart.
ENV SIGFLOW_CONFIG=/etc/sigflow/config/sigflow.yaml \
    SIGFLOW_STATE_DIR=/var/lib/sigflow \
    SIGFLOW_ADMIN_LISTEN=0.0.0.0:9464 \
    SIGFLOW_LOG_FORMAT=json

VOLUME ["/var/lib/sigflow"]
WORKDIR /var/lib/sigflow
USER 10001:10001
EXPOSE 9464

# /healthz, not /readyz: a draining process answers 503 on /readyz and must not be restarted
# for it. The start period covers rule compilation, which runs before the admin endpoint
# listens. Assumes the default admin port; `run --once` and `kafka init` start no endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9464/healthz"]

# sigflow drains on SIGTERM (docs/configuration.md); give it delivery.drain_timeout plus the
# Kafka flush and commit before a SIGKILL (docker stop -t, compose stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/sigflow"]
# --config comes from SIGFLOW_CONFIG (run, connect and kafka init all read it).
CMD ["run"]

ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="sigflow" \
      org.opencontainers.image.description="Real-time market-signal streaming engine: news and cloud announcements in, explained alerts out" \
      org.opencontainers.image.source="https://github.com/sigflow/sigflow" \
      org.opencontainers.image.documentation="https://github.com/sigflow/sigflow/blob/main/docs/operations.md" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/debian:12-slim"
