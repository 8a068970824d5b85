#!/usr/bin/env bash
# The micro-benchmark matrix behind docs/performance.md's "Round 2" section: serializer and
# deserializer against raw JCA AES-GCM and serde-core's AesGcm call alone, with the in-memory,
# AWS-sized and Vault-sized envelope headers, format versions 1 and 6, at 64 B, 1 KiB and 16 KiB,
# timed by Alternating (one JVM, alternating ~100 ms batches, thread CPU time; ~5 min per JVM).
# Run from the repository root after `mvn -B -ntp -pl benchmarks -am package -DskipTests`.
#   bash benchmarks/run-micro-matrix.sh OUT_DIR [java-binary] [label] [extra classpath]
# (ALT_ROUNDS=30 rounds and SIZES="64 1024 16384" by default)
# e.g. JDK 17, Temurin 25 and JDK 17 with the Amazon Corretto Crypto Provider:
#   bash benchmarks/run-micro-matrix.sh benchmarks/target/results java jdk17
#   bash benchmarks/run-micro-matrix.sh benchmarks/target/results \
#       /usr/lib/jvm/temurin-25-jdk-amd64/bin/java jdk25
#   bash benchmarks/run-micro-matrix.sh benchmarks/target/results java jdk17-accp \
#       benchmarks/target/accp/accp.jar
set -euo pipefail
OUT=${1:-benchmarks/target/results}
JAVA=${2:-java}
LABEL=${3:-jdk}
EXTRA=${4:-}
ROUNDS=${ALT_ROUNDS:-30}
SIZES=${SIZES:-64 1024 16384}
JAR=${JAR:-benchmarks/target/benchmarks.jar}
CP="$JAR${EXTRA:+:$EXTRA}"
FILE="$OUT/alternating-$LABEL.json"
mkdir -p "$OUT"
rm -f "$FILE"
run() { # group name, contenders...
  "$JAVA" -Xms1g -Xmx1g -cp "$CP" io.kafkaenvelope.benchmarks.micro.Alternating \
      --rounds "$ROUNDS" --name "$1" --out "$FILE" --append "${@:2}" 2>&1 | grep -v ' INFO '
}
H=HeaderSizeBenchmark
for size in $SIZES; do
  extra_ser=(); extra_de=()
  if [ "$size" = 1024 ]; then
    extra_ser=(core-v1=AadCostBenchmark.coreSerialize:size=1024
        core-v6=HeaderAuthBenchmark.sealSubkey:size=1024,header=in-memory)
    extra_de=(core-v1=AadCostBenchmark.coreDeserialize:size=1024
        core-v6=HeaderAuthBenchmark.openSubkey:size=1024,header=in-memory)
  fi
  run "serialize-$size" raw=SerializeBenchmark.rawAesGcm:size=$size \
      v1=$H.serialize:size=$size,header=in-memory,format=1 \
      v6=$H.serialize:size=$size,header=in-memory,format=6 \
      v1-aws=$H.serialize:size=$size,header=aws,format=1 \
      v6-aws=$H.serialize:size=$size,header=aws,format=6 \
      v1-vault=$H.serialize:size=$size,header=vault,format=1 \
      v6-vault=$H.serialize:size=$size,header=vault,format=6 "${extra_ser[@]}"
  run "deserialize-$size" raw=DeserializeBenchmark.rawAesGcm:size=$size \
      v1=$H.deserialize:size=$size,header=in-memory,format=1 \
      v6=$H.deserialize:size=$size,header=in-memory,format=6 \
      v1-aws=$H.deserialize:size=$size,header=aws,format=1 \
      v6-aws=$H.deserialize:size=$size,header=aws,format=6 \
      v1-vault=$H.deserialize:size=$size,header=vault,format=1 \
      v6-vault=$H.deserialize:size=$size,header=vault,format=6 "${extra_de[@]}"
done
