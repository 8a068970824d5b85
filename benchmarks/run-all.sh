#!/usr/bin/env bash
# The full benchmark run behind docs/performance.md (~65 minutes on an idle 2-core machine). Run from the
# repository root after `mvn -B -ntp -pl benchmarks -am package -DskipTests`.
#   bash benchmarks/run-all.sh "note on conditions, e.g. load average"
set -euo pipefail
JAR=benchmarks/target/benchmarks.jar
ACCP=benchmarks/target/accp/accp.jar
OUT=benchmarks/target/results
mkdir -p "$OUT"
# Warm-up is short because every set-up at 16 KiB and up first drives SunJCE's large-input
# AES-GCM path to C2 (see Fixtures.warmGcm); each 1 MiB figure is checked against that.
JMH_OPTS=(-f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc -bm avgt -tu ns)
RECORDS=1000000
ROUNDS=5
PAIRED_ROUNDS=12
PAIRED_ITERATIONS=3
PROFILE_RECORDS=500000
CPU_RECORDS=300000,120000
CPU_RATES=25000,10000
CPU_WARMUP=200000,300000
CPU_ROUNDS=4
DOC=docs/performance.md
if [ "${QUICK:-0}" = 1 ]; then # a dry run of the pipeline (a few minutes); numbers meaningless
  JMH_OPTS=(-f 1 -wi 0 -i 1 -r 200ms -prof gc -bm avgt -tu ns -p size=1024)
  RECORDS=20000; ROUNDS=1; PAIRED_ROUNDS=1; PAIRED_ITERATIONS=1; PROFILE_RECORDS=20000; DOC="$OUT/performance-quick.md"
  CPU_RECORDS=20000,10000; CPU_WARMUP=10000,5000; CPU_RATES=0,0; CPU_ROUNDS=1
  export ALT_ROUNDS=4; IMAGES="$OUT/images"
fi
IMAGES=${IMAGES:-docs/images}
NOTE="${1:-}"
echo "== start $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/conditions.txt"

# 1. Every contender, every size, 1 thread (SunJCE, no ACCP on the classpath)
java -jar "$JAR" 'SerializeBenchmark|DeserializeBenchmark|InlineBenchmark|AadCostBenchmark' -t 1 "${JMH_OPTS[@]}" \
    -rf json -rff "$OUT/jmh-1t.json" | tee "$OUT/jmh-1t.txt"
# 2. Floor, ours and raw AES-GCM with 2 threads (the peers only single-threaded, to fit the budget)
java -jar "$JAR" '(Serialize|Deserialize)Benchmark.(plaintext|envelope|rawAesGcm)' -t 2 \
    "${JMH_OPTS[@]}" -rf json -rff "$OUT/jmh-2t.json" | tee "$OUT/jmh-2t.txt"
# 3. The same library jar with the Amazon Corretto Crypto Provider on the classpath
java -cp "$JAR:$ACCP" org.openjdk.jmh.Main '(Serialize|Deserialize)Benchmark.(envelope|rawAesGcm)' \
    -p size=1024,16384,1048576 -t 1 "${JMH_OPTS[@]}" -rf json -rff "$OUT/jmh-accp.json" \
    | tee "$OUT/jmh-accp.txt"
java -cp "$JAR:$ACCP" org.openjdk.jmh.Main 'AadCostBenchmark' -t 1 "${JMH_OPTS[@]}" \
    -rf json -rff "$OUT/jmh-accp-aad.json" | tee -a "$OUT/jmh-accp.txt"
# 4. The 1 KiB pairs whose margin is within the machine's drift: short runs, ours and raw alternating
java -cp "$JAR" io.kafkaenvelope.benchmarks.micro.PairedRuns --rounds "$PAIRED_ROUNDS" \
    --iterations "$PAIRED_ITERATIONS" --out "$OUT/paired.json" 2>&1 | grep -v ' INFO ' | tee "$OUT/paired.txt"
# 4b. The round-2 matrix (formats 1 and 6, in-memory/AWS/Vault-sized headers, against raw and the
# AesGcm call alone) in alternating batches, on JDK 17, Temurin 25 (if installed) and 17 + ACCP
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
ALT="jdk17=$OUT/alternating-jdk17.json"
bash benchmarks/run-micro-matrix.sh "$OUT" java jdk17 | tee "$OUT/alternating.txt"
if [ -x "$JDK25" ]; then
  bash benchmarks/run-micro-matrix.sh "$OUT" "$JDK25" jdk25 | tee -a "$OUT/alternating.txt"
  ALT="$ALT,jdk25=$OUT/alternating-jdk25.json"
fi
bash benchmarks/run-micro-matrix.sh "$OUT" java jdk17-accp "$ACCP" | tee -a "$OUT/alternating.txt"
ALT="$ALT,jdk17-accp=$OUT/alternating-jdk17-accp.json"
# 4c. Bytes per record on the broker with batch compression (no broker needed)
java -cp "$JAR" io.kafkaenvelope.benchmarks.bytes.BatchBytes "$OUT/bytes.json" | tee "$OUT/bytes.txt"
echo "== micro done $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/conditions.txt"

# 5. End to end: 1M records of 1 KiB per run, 3 rounds, plaintext and encrypted alternated
java -Xms2g -Xmx2g -cp "$JAR" io.kafkaenvelope.benchmarks.e2e.EndToEndBenchmark \
    --records "$RECORDS" --size 1024 --rounds "$ROUNDS" --codecs none,lz4,zstd --out "$OUT/e2e.json" \
    2> "$OUT/e2e.log" | tee "$OUT/e2e.txt"
echo "== e2e done $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/conditions.txt"

# 5b. CPU per record of the producer and the consumer process: plaintext, TLS 1.3, envelope,
#     envelope + TLS, forked client JVMs, paced producers, alternating order (~30 min on 2 cores)
java -Xms1g -Xmx1g -cp "$JAR" io.kafkaenvelope.benchmarks.e2e.ProcessCpuBenchmark \
    --sizes 100,1024 --rates "$CPU_RATES" --records "$CPU_RECORDS" --warmup-records "$CPU_WARMUP" \
    --rounds "$CPU_ROUNDS" \
    --out "$OUT/e2e-cpu.json" 2>> "$OUT/e2e.log" | tee "$OUT/e2e-cpu.txt"
echo "== e2e cpu done $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/conditions.txt"
# the page links the per-round CPU values of this run
if [ "${QUICK:-0}" != 1 ]; then cp "$OUT/e2e-cpu.csv" docs/performance-e2e-cpu.csv; fi

# 6. Profile: a JFR recording of an encrypted end-to-end run (no compression)
java -Xms2g -Xmx2g -XX:StartFlightRecording=filename="$OUT/e2e-encrypted.jfr",settings=profile \
    -cp "$JAR" io.kafkaenvelope.benchmarks.e2e.EndToEndBenchmark --records "$PROFILE_RECORDS" --rounds 1 \
    --warmup-records 100000 --codecs none --modes encrypted --out "$OUT/e2e-profile.json" \
    2>> "$OUT/e2e.log" | tee -a "$OUT/e2e.txt"
java -cp "$JAR" io.kafkaenvelope.benchmarks.report.JfrProfile "$OUT/e2e-encrypted.jfr" \
    "JFR, end-to-end encrypted run ($PROFILE_RECORDS records, no compression, broker in the same JVM)" \
    > "$OUT/profile.txt"

# 7. The document
java -cp "$JAR" io.kafkaenvelope.benchmarks.report.PerformanceReport \
    --jmh "$OUT/jmh-1t.json,$OUT/jmh-2t.json" --jmh-accp "$OUT/jmh-accp.json,$OUT/jmh-accp-aad.json" \
    --paired "$OUT/paired.json" --alternating "$ALT" --bytes "$OUT/bytes.json" \
    --images "$IMAGES" --images-link images \
    --e2e "$OUT/e2e.json" --e2e-cpu "$OUT/e2e-cpu.json" --profile "$OUT/profile.txt" \
    --note "$NOTE $(tr '\n' ' ' < "$OUT/conditions.txt")" \
    --template benchmarks/performance-template.md --out "$DOC"
