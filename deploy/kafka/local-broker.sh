#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, combined broker and controller) on 127.0.0.1, for
# tests and benchmarks. Kafka comes from Maven Central (pom.xml beside this script) into a cache
# directory and runs on the machine's JDK.
#
#   deploy/kafka/local-broker.sh start    fetch if needed, format, start; returns once the broker
#                                         answers metadata requests
#   deploy/kafka/local-broker.sh stop     stop it and remove its data (--keep-data: keep it, so
#                                         the next start resumes with the same topics and offsets)
#   deploy/kafka/local-broker.sh status   exit 0 when it answers on its port
#
# SIGFLOW_KAFKA_PORT (default 19092; the controller uses the next port), SIGFLOW_KAFKA_CACHE
# (default ~/.cache/sigflow/kafka), SIGFLOW_KAFKA_DATA (default /tmp/sigflow-kafka-<port>).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${SIGFLOW_KAFKA_PORT:-19092}"
controller_port=$((port + 1))
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
cache="${SIGFLOW_KAFKA_CACHE:-$HOME/.cache/sigflow/kafka}/$version"
data="${SIGFLOW_KAFKA_DATA:-${TMPDIR:-/tmp}/sigflow-kafka-$port}"
pidfile="$data/broker.pid"

answers() { kcat -L -b "127.0.0.1:$port" -m 2 >/dev/null 2>&1; }

fetch() {
  [ -f "$cache/.complete" ] && return 0
  echo "local-broker: fetching Apache Kafka $version from Maven Central into $cache"
  mkdir -p "$cache"
  mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$cache"
  touch "$cache/.complete"
}

start() {
  if answers; then
    echo "local-broker: already running on 127.0.0.1:$port"
    return 0
  fi
  fetch
  local java_opts=(-Xms256m -Xmx1g -Dlog4j.configuration="file:$here/log4j.properties" -cp "$cache/*")
  if [ ! -f "$data/logs/meta.properties" ]; then
    rm -rf "$data"
    mkdir -p "$data/logs"
    cat > "$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data/logs
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
message.max.bytes=4194304
PROPS
    java "${java_opts[@]}" kafka.tools.StorageTool format -t "$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid)" \
      -c "$data/server.properties" >"$data/format.log" 2>&1
  fi
  nohup java "${java_opts[@]}" kafka.Kafka "$data/server.properties" >"$data/broker.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do  # up to 60 s
    if answers; then
      echo "local-broker: Kafka $version answering on 127.0.0.1:$port (data in $data)"
      return 0
    fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "local-broker: the broker exited; its log:" >&2
      tail -40 "$data/broker.log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "local-broker: no answer on 127.0.0.1:$port after 60 s; see $data/broker.log" >&2
  return 1
}

stop() {
  if [ -f "$pidfile" ]; then
    local pid
    pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  if [ "${1:-}" = "--keep-data" ]; then
    echo "local-broker: stopped (data kept in $data)"
    return 0
  fi
  rm -rf "$data"
  echo "local-broker: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  status)
    if answers; then echo "local-broker: running on 127.0.0.1:$port"; else echo "local-broker: not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
