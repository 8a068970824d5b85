package io.kafkaenvelope.benchmarks.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kafkaenvelope.testing.EmbeddedKafkaBroker;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SslConfigs;

/**
 * CPU time per record of a producer process and of a consumer process, each in a JVM of its own
 * ({@link ClientProcess}), against one embedded broker in this JVM with a plaintext and a TLS 1.3
 * listener. Four contenders: plaintext, TLS, envelope (encryption by the serde, plaintext
 * listener) and envelope + TLS; all without batch compression. Every round runs each record size
 * and each contender once, producer first then consumer, in an order that reverses every round
 * (A B C D, D C B A, ...), so drift on a shared machine favours none. The KMS is serde-core's
 * {@code local} one (a keyset file both processes read), so the processes share a KEK as real
 * clients share a cloud KMS key. Producers send at a fixed pace per size ({@code --rates}), so
 * linger, not each contender's speed, decides the batches: the same records per batch for all
 * four, on the producer and in what the consumer reads. Writes the runs as JSON and the per-round
 * ratios as CSV.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.kafkaenvelope.benchmarks.e2e.ProcessCpuBenchmark \
 *     --sizes 100,1024 --rates 25000,10000 --rounds 4 --out benchmarks/target/e2e-cpu.json
 * </pre>
 */
public final class ProcessCpuBenchmark {

  static final String PLAINTEXT = "plaintext";
  static final String TLS = "tls";
  static final String ENVELOPE = "envelope";
  static final String ENVELOPE_TLS = "envelope-tls";
  static final List<String> CONTENDERS = List.of(PLAINTEXT, TLS, ENVELOPE, ENVELOPE_TLS);
  static final List<String> ROLES = List.of("produce", "consume");

  private ProcessCpuBenchmark() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    Path work = Files.createTempDirectory("kafka-envelope-cpu-");
    Path keysets = Files.createDirectories(work.resolve("keysets"));
    List<Map<String, Object>> runs = new ArrayList<>();
    Instant started = Instant.now();
    Map<String, Object> out = new LinkedHashMap<>();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startWithTls(Map.of(
        "log.flush.interval.messages", String.valueOf(Long.MAX_VALUE),
        "log.segment.bytes", String.valueOf(512 * 1024 * 1024)))) {
      out.put("tlsCipherSuite", negotiated(broker));
      for (int round = 1; round <= o.rounds; round++) {
        for (int size : o.sizes) {
          List<String> order = new ArrayList<>(o.contenders);
          if (round % 2 == 0) {
            Collections.reverse(order);
          }
          for (String contender : order) {
            runs.add(run(broker, work, keysets, o, round, size, contender));
          }
        }
      }
    }
    out.put("started", started.toString());
    out.put("finished", Instant.now().toString());
    out.put("rounds", o.rounds);
    out.put("sizes", o.sizes);
    out.put("records", o.records);
    out.put("warmupRecords", o.warmup);
    out.put("producerRates", o.rates);
    out.put("childJvmOptions", o.jvmOptions);
    out.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    out.put("runs", runs);
    File f = new File(o.out);
    if (f.getParentFile() != null) {
      f.getParentFile().mkdirs();
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(f, out);
    System.out.println("wrote " + f);
    String csv = o.out.replaceAll("\\.json$", "") + ".csv";
    Files.writeString(Path.of(csv), csv(new ObjectMapper().valueToTree(out)));
    System.out.println("wrote " + csv);
  }

  static Map<String, Object> run(EmbeddedKafkaBroker broker, Path work, Path keysets, Options o,
      int round, int size, String contender) throws Exception {
    boolean tls = contender.equals(TLS) || contender.equals(ENVELOPE_TLS);
    boolean encrypted = contender.startsWith(ENVELOPE);
    int records = o.records.get(o.sizes.indexOf(size));
    int warmup = o.warmup.get(o.sizes.indexOf(size));
    String topic = "cpu-r" + round + "-" + size + "-" + contender;
    broker.createTopic(topic, 1);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    if (tls) {
      broker.tlsClientConfig().forEach((k, v) -> p.put(k, String.valueOf(v)));
    }
    if (encrypted) {
      p.put("envelope.kms.type", "local");
      p.put("envelope.kms.local.keyset.dir", keysets.toString());
      p.put("envelope.kms.local.create.missing", "true");
      p.put("envelope.kek.id", "e2e-kek");
    }
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(EndToEndBenchmark.LINGER_MS));
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(EndToEndBenchmark.BATCH_SIZE));
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(64L * 1024 * 1024));
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    Path props = work.resolve(topic + ".properties");
    try (OutputStream os = new FileOutputStream(props.toFile())) {
      p.store(os, null);
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("round", round);
    r.put("size", size);
    r.put("contender", contender);
    for (String role : ROLES) {
      double rate = o.rates.get(o.sizes.indexOf(size));
      JsonNode res = fork(o, work, role, props, topic, size, warmup, records, encrypted, rate);
      long n = res.get("records").asLong();
      double cpuNs = res.get("cpuNanos").asDouble() / n;
      r.put(role + "CpuNsPerRecord", cpuNs);
      r.put(role + "RecordsPerSec", n / (res.get("wallNanos").asDouble() / 1e9));
      r.put(role + "Records", n);
      r.put(role + "KmsCalls", res.get("kmsCalls").asLong());
      r.put(role + "RecordsPerRequest", res.path("recordsPerRequest").asDouble());
      System.out.printf(Locale.ROOT, "round %d %5d B %-13s %-8s %8.0f ns CPU/record %9.0f rec/s"
              + " kms %d%n", round, size, contender, role, cpuNs,
          r.get(role + "RecordsPerSec"), res.get("kmsCalls").asLong());
    }
    broker.admin().deleteTopics(List.of(topic)).all().get(1, TimeUnit.MINUTES);
    return r;
  }

  private static JsonNode fork(Options o, Path work, String role, Path props, String topic,
      int size, int warmup, int records, boolean encrypted, double rate) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(o.jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
        ClientProcess.class.getName(), role, props.toString(), topic, String.valueOf(size),
        String.valueOf(warmup), String.valueOf(records), String.valueOf(encrypted),
        String.valueOf(role.equals("produce") ? rate : 0)));
    Path log = work.resolve(topic + "-" + role + ".log");
    Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .start();
    if (!proc.waitFor(15, TimeUnit.MINUTES)) {
      proc.destroyForcibly();
      throw new IllegalStateException(role + " of " + topic + " did not finish; log " + log);
    }
    String line = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
        .filter(l -> l.startsWith(ClientProcess.RESULT)).findFirst().orElse(null);
    if (proc.exitValue() != 0 || line == null) {
      throw new IllegalStateException(role + " of " + topic + " failed (exit "
          + proc.exitValue() + "); log " + log);
    }
    return new ObjectMapper().readTree(line.substring(ClientProcess.RESULT.length()));
  }

  /** The TLS 1.3 cipher suite the broker's listener picks for a JDK client, for the report. */
  static String negotiated(EmbeddedKafkaBroker broker) throws Exception {
    Map<String, Object> c = broker.tlsClientConfig();
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    ts.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(
        new ByteArrayInputStream(((String) c.get(SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG))
            .getBytes(StandardCharsets.US_ASCII))));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(null, tmf.getTrustManagers(), null);
    String[] hp = broker.tlsBootstrapServers().split(":");
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(hp[0],
        Integer.parseInt(hp[1]))) {
      s.startHandshake();
      return s.getSession().getProtocol() + " " + s.getSession().getCipherSuite();
    }
  }

  /**
   * One row per round, size, role and contender: CPU ns per record, records per second, and the
   * ratio to the same round's plaintext run (what the chart tool plots).
   */
  static String csv(JsonNode out) {
    StringBuilder sb = new StringBuilder(
        "round,size,role,contender,cpu_ns_per_record,records_per_sec,cpu_ratio_to_plaintext\n");
    Map<String, JsonNode> plain = new LinkedHashMap<>();
    for (JsonNode r : out.get("runs")) {
      if (r.get("contender").asText().equals(PLAINTEXT)) {
        plain.put(r.get("round").asInt() + "/" + r.get("size").asInt(), r);
      }
    }
    for (JsonNode r : out.get("runs")) {
      JsonNode base = plain.get(r.get("round").asInt() + "/" + r.get("size").asInt());
      for (String role : ROLES) {
        double cpu = r.get(role + "CpuNsPerRecord").asDouble();
        sb.append(r.get("round").asInt()).append(',').append(r.get("size").asInt()).append(',')
            .append(role).append(',').append(r.get("contender").asText()).append(',')
            .append(String.format(Locale.ROOT, "%.1f,%.0f,", cpu,
                r.get(role + "RecordsPerSec").asDouble()))
            .append(base == null ? "" : String.format(Locale.ROOT, "%.4f",
                cpu / base.get(role + "CpuNsPerRecord").asDouble()))
            .append('\n');
      }
    }
    return sb.toString();
  }

  static final class Options {
    List<Integer> sizes = List.of(100, 1024);
    List<Integer> records = List.of(300_000, 120_000);
    /** 1 KiB: 300,000 (30 s at the pace), so AES-GCM is compiled before the clock starts. */
    List<Integer> warmup = List.of(200_000, 300_000);
    /** Producer pace per size, records/s (0 = flat out): every contender must keep it up. */
    List<Integer> rates = List.of(25_000, 10_000);
    int rounds = 4;
    List<String> contenders = CONTENDERS;
    List<String> jvmOptions = List.of("-Xms512m", "-Xmx512m");
    String out = "benchmarks/target/e2e-cpu.json";

    static Options parse(String[] args) throws IOException {
      Options o = new Options();
      for (int i = 0; i < args.length; i += 2) {
        String v = i + 1 < args.length ? args[i + 1] : null;
        if (v == null) {
          throw new IllegalArgumentException("missing value for " + args[i]);
        }
        switch (args[i]) {
          case "--sizes" -> o.sizes = ints(v);
          case "--records" -> o.records = ints(v);
          case "--warmup-records" -> o.warmup = ints(v);
          case "--rates" -> o.rates = ints(v);
          case "--rounds" -> o.rounds = Integer.parseInt(v);
          case "--contenders" -> o.contenders = List.of(v.split(","));
          case "--jvm-options" -> o.jvmOptions = List.of(v.split(" "));
          case "--out" -> o.out = v;
          default -> throw new IllegalArgumentException("unknown option " + args[i]
              + " (--sizes --records --warmup-records --rates --rounds --contenders --jvm-options"
              + " --out)");
        }
      }
      if (o.records.size() != o.sizes.size() || o.warmup.size() != o.sizes.size()
          || o.rates.size() != o.sizes.size()) {
        throw new IllegalArgumentException("--records, --warmup-records and --rates need one "
            + "value per size in --sizes " + o.sizes);
      }
      if (!CONTENDERS.containsAll(o.contenders)) {
        throw new IllegalArgumentException("--contenders: any of " + CONTENDERS);
      }
      return o;
    }

    private static List<Integer> ints(String v) {
      List<Integer> l = new ArrayList<>();
      for (String s : v.split(",")) {
        l.add(Integer.parseInt(s.trim()));
      }
      return l;
    }
  }
}
