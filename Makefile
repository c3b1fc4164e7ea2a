# The two commands of the README's quick start, plus a few conveniences.
#   make demo   install what is missing, build release, run the bundled sample pipeline once
#   make test   install what is missing, run each libFuzzer target briefly (clang, ASan), then
#               build with ASan+UBSan, start the local Kafka broker (deploy/kafka) and run every
#               test through ctest; the broker is stopped afterwards, pass or fail
.PHONY: demo test deps build-release build-dev tsan fuzz bench bench-kafka clean kafka-up kafka-down

KAFKA := deploy/kafka/local-broker.sh

SIGFLOW_RELEASE := build/release/engine/sigflow

deps:
	bash deploy/setup-debian.sh

build-release: deps
	cmake --preset release
	cmake --build --preset release

build-dev: deps
	cmake --preset dev
	cmake --build --preset dev

demo: build-release
	$(SIGFLOW_RELEASE) run --config config/sigflow.yaml --once

test: build-dev
	$(MAKE) fuzz
	$(KAFKA) start
	ctest --preset dev; status=$$?; $(KAFKA) stop; exit $$status

kafka-up: deps
	$(KAFKA) start

kafka-down:
	$(KAFKA) stop

fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz
	ctest --preset fuzz

bench: build-release
	build/release/tests/bench/sigflow_bench --benchmark_min_time=2
	build/release/tests/bench/sigflow_delivery_bench --benchmark_min_time=1

bench-kafka: build-release
	$(KAFKA) start
	build/release/tests/bench/sigflow_kafka_bench; status=$$?; $(KAFKA) stop; exit $$status

tsan: deps
	cmake --preset tsan
	cmake --build --preset tsan
	ctest --preset tsan

clean:
	rm -rf build
