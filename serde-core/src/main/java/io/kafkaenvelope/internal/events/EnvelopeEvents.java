package io.kafkaenvelope.internal.events;

import com.github.benmanes.caffeine.cache.Ticker;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.serde.EnvelopeException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.MetricValueProvider;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.MetricsReporter;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Avg;
import org.apache.kafka.common.metrics.stats.Max;
import org.apache.kafka.common.utils.Time;

/**
 * What one serializer or deserializer reports: counters, KMS call timings and audit lines. The
 * pipeline calls it at each point that matters; every counter is made up front (a {@link
 * RecordTally} for the per-record counts, else a {@link LongAdder}; arrays indexed by enum
 * ordinal where a tag varies), so the per-record calls neither allocate nor look anything up.
 * {@link #registerJmx} exposes them as Kafka metrics in the group
 * {@code kafka-envelope-serializer-metrics} (or {@code ...-deserializer-metrics}) with the tags
 * {@code client-id} and {@code role}, reported over JMX under the domain {@value #JMX_DOMAIN};
 * {@link #close} removes them. Thread-safe.
 *
 * <p>Internal API: used by the serializer and deserializer, not meant for applications.
 */
public final class EnvelopeEvents implements AutoCloseable {

  /** The JMX domain of the metrics this library registers itself. */
  public static final String JMX_DOMAIN = "kafka.envelope";
  /** At most this many KEKs get their own first-refusal audit line per instance. */
  static final int MAX_AUDITED_KEKS = 64;
  /** At most this many topics get their own first-plaintext audit line per instance. */
  static final int MAX_AUDITED_TOPICS = 1024;
  /** Refusals past {@link #MAX_AUDITED_KEKS} are summed up in one line at most this often. */
  static final long SUMMARY_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private static final AtomicInteger UNNAMED = new AtomicInteger();
  private static final double NANOS_PER_MS = 1_000_000.0;

  /** Which side of the pipeline this instance reports for. */
  public enum Side {
    SERIALIZER("kafka-envelope-serializer-metrics"),
    DESERIALIZER("kafka-envelope-deserializer-metrics");

    private final String group;

    Side(String group) {
      this.group = group;
    }

    /** The metric group. */
    public String group() {
      return group;
    }
  }

  /** A call to the KMS. */
  public enum KmsOperation {
    /** A new data key generated and wrapped under a KEK (producer). */
    GENERATE,
    /** A wrapped data key unwrapped (consumer). */
    UNWRAP,
    /** Deterministic-mode key material derived under a KEK (both sides). */
    DERIVE,
    /**
     * A KEK's metadata read to check it is usable (both sides: {@code configure()} and
     * {@code health()}).
     */
    CHECK;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Why a data key was retired. */
  public enum RotationReason {
    /** {@code envelope.dek.max.age.ms} reached. */
    AGE,
    /** {@code envelope.dek.max.records} reached. */
    RECORDS,
    /** {@code envelope.dek.max.bytes} reached. */
    BYTES;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Side side;
  private final Role role;
  private final String clientId;
  private final Ticker ticker;

  /** Records encrypted or decrypted, and their plaintext bytes (see {@link #processed}). */
  private final RecordTally processed = new RecordTally();
  /**
   * Records decrypted under the key already in memory, counted once for both {@code
   * records-decrypted-total} and {@code dek-cache-hits-total} (the gauges add it to each): the
   * deserializer's common case pays one update for both, not two.
   */
  private final RecordTally fromCache = new RecordTally();
  private final LongAdder plaintextRecords = new LongAdder();
  private final LongAdder cacheHits = new LongAdder();
  private final LongAdder cacheMisses = new LongAdder();
  private final LongAdder deksCreated = new LongAdder();
  private final LongAdder[] failures = adders(EnvelopeException.Reason.values().length);
  private final LongAdder[] rotations = adders(RotationReason.values().length);
  /** Indexed by {@code 2 * operation + (ok ? 0 : 1)}. */
  private final LongAdder[] kmsCalls = adders(2 * KmsOperation.values().length);
  private volatile Sensor[] kmsTime = new Sensor[KmsOperation.values().length];
  private volatile LongSupplier activeDekAgeMs = () -> 0;
  private volatile LongSupplier cacheSize = () -> 0;

  private final Set<String> refusalAudited = ConcurrentHashMap.newKeySet();
  private final LongAdder refusalsUnaudited = new LongAdder();
  private final AtomicLong lastRefusalSummary;
  private final Set<String> plaintextAudited = ConcurrentHashMap.newKeySet();

  private Metrics metrics;
  /** Set once the client handed over its KIP-877 plugin metrics (kafka-clients 4.1+). */
  private boolean pluginBound;
  private Sink pluginSink;

  /**
   * Where metrics are registered: a {@link Metrics} of our own, or the client's plugin metrics
   * (in {@link PluginMetricsSink}, the one class that names kafka-clients 4.1's types).
   */
  interface Sink {
    MetricName name(String name, String group, String doc, LinkedHashMap<String, String> tags);

    void add(MetricName name, MetricValueProvider<?> value);

    Sensor sensor(String name);

    /** Removes what was registered (a sink of our own goes with its {@link Metrics}). */
    default void close() {}
  }

  /** A sink on a {@link Metrics} of our own: the client id and role tags are ours to set. */
  private Sink sink(Metrics m) {
    return new Sink() {
      @Override
      public MetricName name(String name, String group, String doc,
          LinkedHashMap<String, String> tags) {
        LinkedHashMap<String, String> all = new LinkedHashMap<>();
        all.put("client-id", clientId);
        all.putAll(tags);
        return m.metricName(name, group, doc, all);
      }

      @Override
      public void add(MetricName name, MetricValueProvider<?> value) {
        m.addMetric(name, value);
      }

      @Override
      public Sensor sensor(String name) {
        return m.sensor(name);
      }
    };
  }

  /**
   * @param clientId the client's {@code client.id}, or {@code null}: a name of the form {@code
   *     kafka-envelope-serializer-N} is made up
   */
  public EnvelopeEvents(Side side, Role role, String clientId, Ticker ticker) {
    this.side = side;
    this.role = role;
    this.clientId = clientId != null && !clientId.isEmpty() ? clientId
        : "kafka-envelope-" + side.name().toLowerCase(Locale.ROOT) + "-"
            + UNNAMED.incrementAndGet();
    this.ticker = ticker;
    this.lastRefusalSummary = new AtomicLong(ticker.read() - SUMMARY_INTERVAL_NANOS);
  }

  /** An instance that counts but registers nothing (tests, and components built alone). */
  public static EnvelopeEvents detached(Side side, Role role) {
    return new EnvelopeEvents(side, role, null, Ticker.systemTicker());
  }

  private static LongAdder[] adders(int n) {
    LongAdder[] a = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  public String clientId() {
    return clientId;
  }

  public Role role() {
    return role;
  }

  // ---- the pipeline's calls ----

  /** A record of {@code plaintextBytes} bytes was encrypted or decrypted. */
  public void processed(int plaintextBytes) {
    processed.add(plaintextBytes);
  }

  /**
   * A record went out (producer: unresolved-KEK policy) or was accepted (consumer: plaintext
   * policy) unencrypted by policy. The first such record per topic is audited.
   */
  public void plaintext(String topic, String kekId) {
    plaintextRecords.increment();
    if (plaintextAudited.size() < MAX_AUDITED_TOPICS && plaintextAudited.add(topic)) {
      if (side == Side.SERIALIZER) {
        AuditLog.event("record-sent-unencrypted", "client-id", clientId, "role", role,
            "topic", topic, "kek", kekId, "reason", "envelope.kek.unresolved.policy=plaintext",
            "first-for-topic", true);
      } else {
        AuditLog.event("record-accepted-unencrypted", "client-id", clientId, "role", role,
            "topic", topic, "reason", "envelope.plaintext.policy=allow", "first-for-topic", true);
      }
    }
  }

  /** A record was refused; a refusal by the KEK policy is audited (first per KEK, then summed). */
  public void failed(EnvelopeException e) {
    failed(e.reason(), e.topic(), e.kekId(), e.dekId());
  }

  /** As {@link #failed(EnvelopeException)}, from the exception's parts. */
  void failed(EnvelopeException.Reason reason, String topic, String kekId, String dekId) {
    failures[reason.ordinal()].increment();
    if (reason == EnvelopeException.Reason.KEK_NOT_ALLOWED) {
      auditRefusal(reason, topic, kekId, dekId);
    }
  }

  private void auditRefusal(EnvelopeException.Reason reason, String topic, String kekId,
      String dekId) {
    String kek = String.valueOf(kekId);
    if (refusalAudited.contains(kek)) {
      return; // counted in failures-total; the KEK was named once
    }
    if (refusalAudited.size() < MAX_AUDITED_KEKS && refusalAudited.add(kek)) {
      AuditLog.event("record-refused", "client-id", clientId, "role", role, "topic", topic,
          "kek", kek, "dek", dekId, "reason", reason, "first-for-kek", true);
      return;
    }
    refusalsUnaudited.increment();
    long now = ticker.read();
    long last = lastRefusalSummary.get();
    if (now - last >= SUMMARY_INTERVAL_NANOS && lastRefusalSummary.compareAndSet(last, now)) {
      AuditLog.event("records-refused-unlogged", "client-id", clientId, "role", role,
          "reason", reason, "count", refusalsUnaudited.sumThenReset(),
          "why", "more than " + MAX_AUDITED_KEKS + " KEKs refused; see failures-total");
    }
  }

  /**
   * A record of {@code plaintextBytes} bytes was decrypted under a data key found in memory: the
   * same as {@link #processed} and {@link #cacheHit} together, with one counter update fewer.
   */
  public void processedFromCache(int plaintextBytes) {
    fromCache.add(plaintextBytes);
  }

  /** A data key was found in memory (no KMS call). */
  public void cacheHit() {
    cacheHits.increment();
  }

  /** A data key was not in memory: a KMS call was made or awaited, or a failure remembered. */
  public void cacheMiss() {
    cacheMisses.increment();
  }

  /** A KMS call of {@code op} took {@code nanos} and succeeded or failed. */
  public void kmsCall(KmsOperation op, long nanos, boolean ok) {
    kmsCalls[2 * op.ordinal() + (ok ? 0 : 1)].increment();
    Sensor s = kmsTime[op.ordinal()];
    if (s != null) {
      s.record(nanos / NANOS_PER_MS);
    }
  }

  /**
   * A data key was created under {@code kekId}; {@code retired} (with {@code why}) is the key it
   * replaces, or {@code null} for the KEK's first.
   */
  public void dekCreated(String kekId, String kekVersion, String dekId, String retiredDekId,
      RotationReason why, long retiredRecords) {
    deksCreated.increment();
    if (retiredDekId != null) {
      rotations[why.ordinal()].increment();
      dekRetired(kekId, kekVersion, retiredDekId, why.tag(), retiredRecords);
    }
    AuditLog.event("dek-created", "client-id", clientId, "role", role, "kek", kekId,
        "kek-version", kekVersion, "dek", dekId, "reason",
        retiredDekId == null ? "first" : why.tag(), "replaces", retiredDekId);
  }

  /** A data key stopped being used ({@code why}: a rotation reason, or {@code closed}). */
  public void dekRetired(String kekId, String kekVersion, String dekId, String why,
      long recordsEncrypted) {
    AuditLog.event("dek-retired", "client-id", clientId, "role", role, "kek", kekId,
        "kek-version", kekVersion, "dek", dekId, "reason", why, "records", recordsEncrypted);
  }

  /** A data key was unwrapped for the first time in this process (this cache). */
  public void firstUnwrap(String topic, String kekId, String dekId) {
    AuditLog.event("dek-unwrapped", "client-id", clientId, "role", role, "topic", topic,
        "kek", kekId, "dek", dekId, "first-in-process", true);
  }

  /** The gauge {@code dek-active-age-max-ms} reads {@code ageMs}. */
  public void activeDekAge(LongSupplier ageMs) {
    this.activeDekAgeMs = ageMs;
  }

  /** The gauge {@code dek-cache-size} reads {@code size}. */
  public void cacheSize(LongSupplier size) {
    this.cacheSize = size;
  }

  // ---- reading (tests) ----

  long failures(EnvelopeException.Reason r) {
    return failures[r.ordinal()].sum();
  }

  long kmsCalls(KmsOperation op, boolean ok) {
    return kmsCalls[2 * op.ordinal() + (ok ? 0 : 1)].sum();
  }

  long rotations(RotationReason r) {
    return rotations[r.ordinal()].sum();
  }

  long records() {
    return processed.records() + fromCache.records();
  }

  long bytes() {
    return processed.bytes() + fromCache.bytes();
  }

  long plaintextRecords() {
    return plaintextRecords.sum();
  }

  long cacheHits() {
    return cacheHits.sum() + fromCache.records();
  }

  long cacheMisses() {
    return cacheMisses.sum();
  }

  // ---- registration ----

  /**
   * Registers the metrics in a {@link Metrics} of their own, reported over JMX under
   * {@value #JMX_DOMAIN}; {@link #close} unregisters them.
   */
  public synchronized void registerJmx() {
    if (metrics != null || pluginBound) {
      return;
    }
    JmxReporter jmx = new JmxReporter();
    jmx.configure(Map.of());
    List<MetricsReporter> reporters = List.of(jmx);
    Metrics m = new Metrics(new MetricConfig(), reporters, Time.SYSTEM,
        new KafkaMetricsContext(JMX_DOMAIN));
    try {
      register(sink(m));
    } catch (RuntimeException e) {
      m.close(); // unregisters whatever reached JMX
      throw e;
    }
    metrics = m;
  }

  /**
   * Moves the metrics to the client's KIP-877 plugin metrics ({@code
   * org.apache.kafka.common.metrics.PluginMetrics}, kafka-clients 4.1+; typed {@code Object} so
   * this class loads on 3.x): the JMX registration of our own is removed, the counters carry on,
   * and the client's reporters (JMX under its own domain, and any configured) see the same names
   * in its group {@code plugins}, tagged by the client ({@code client-id}, {@code config},
   * {@code class}) and by us ({@code role} and the metric's own tags). The client removes them
   * when it closes.
   */
  public synchronized void usePluginMetrics(Object pluginMetrics) {
    if (metrics != null) {
      metrics.close();
      metrics = null;
    }
    pluginBound = true;
    if (pluginSink != null) {
      pluginSink.close();
    }
    pluginSink = PluginMetricsSink.of(pluginMetrics);
    register(pluginSink);
  }

  /** {@link #usePluginMetrics} if {@code pluginMetrics} is not {@code null}. */
  public void usePluginMetricsIfAny(Object pluginMetrics) {
    if (pluginMetrics != null) {
      usePluginMetrics(pluginMetrics);
    }
  }

  /** Registers every metric in {@code m}, with the client id and role tags. For tests. */
  void register(Metrics m) {
    register(sink(m));
  }

  private void register(Sink m) {
    gauge(m, "records-" + verb() + "-total", "Records " + verb() + " since start.",
        this::records);
    gauge(m, "bytes-" + verb() + "-total", "Plaintext bytes " + verb() + " since start.",
        this::bytes);
    gauge(m, "records-plaintext-total", side == Side.SERIALIZER
        ? "Records sent unencrypted because envelope.kek.unresolved.policy=plaintext allowed it."
        : "Records without an envelope passed on because envelope.plaintext.policy=allow.",
        plaintextRecords);
    for (EnvelopeException.Reason r : EnvelopeException.Reason.values()) {
      gauge(m, "failures-total", "Records refused, by EnvelopeException reason.",
          failures[r.ordinal()], "reason", r.name());
    }
    Sensor[] time = new Sensor[KmsOperation.values().length];
    for (KmsOperation op : operations()) {
      for (boolean ok : new boolean[] {true, false}) {
        gauge(m, "kms-calls-total", "KMS calls, by operation and outcome.",
            kmsCalls[2 * op.ordinal() + (ok ? 0 : 1)], "operation", op.tag(), "outcome",
            ok ? "success" : "failure");
      }
      Sensor s = m.sensor("kafka-envelope-" + side.name().toLowerCase(Locale.ROOT) + "-" + role
          + "-kms-" + op.tag() + "-time");
      s.add(name(m, "kms-call-time-avg-ms", "Average time of a KMS call (ms), by operation.",
          "operation", op.tag()), new Avg());
      s.add(name(m, "kms-call-time-max-ms", "Longest KMS call (ms), by operation.",
          "operation", op.tag()), new Max());
      time[op.ordinal()] = s;
    }
    kmsTime = time;
    if (side == Side.SERIALIZER) {
      gauge(m, "deks-created-total", "Data keys created.", deksCreated);
      for (RotationReason r : RotationReason.values()) {
        gauge(m, "dek-rotations-total", "Data keys retired for a new one, by the limit reached.",
            rotations[r.ordinal()], "reason", r.tag());
      }
      m.add(name(m, "dek-active-age-max-ms", "Age (ms) of the oldest data key in use; 0 "
          + "when none is."), (Measurable) (c, now) -> activeDekAgeMs.getAsLong());
    } else {
      gauge(m, "dek-cache-hits-total", "Records whose data key was already in memory.",
          this::cacheHits);
      gauge(m, "dek-cache-misses-total", "Records whose data key had to come from the KMS.",
          cacheMisses);
      m.add(name(m, "dek-cache-size", "Data keys held by the unwrap cache this "
          + "deserializer uses (shared by deserializers with the same KMS settings)."),
          (Measurable) (c, now) -> cacheSize.getAsLong());
    }
  }

  private String verb() {
    return side == Side.SERIALIZER ? "encrypted" : "decrypted";
  }

  private KmsOperation[] operations() {
    return side == Side.SERIALIZER ? new KmsOperation[] {KmsOperation.GENERATE,
        KmsOperation.DERIVE, KmsOperation.CHECK} : new KmsOperation[] {KmsOperation.UNWRAP,
        KmsOperation.DERIVE, KmsOperation.CHECK};
  }

  private void gauge(Sink m, String name, String doc, LongAdder adder, String... tags) {
    gauge(m, name, doc, adder::sum, tags);
  }

  private void gauge(Sink m, String name, String doc, LongSupplier value, String... tags) {
    m.add(name(m, name, doc, tags), (Measurable) (c, now) -> value.getAsLong());
  }

  private MetricName name(Sink m, String name, String doc, String... extraTags) {
    LinkedHashMap<String, String> tags = new LinkedHashMap<>();
    tags.put("role", role.toString());
    for (int i = 0; i + 1 < extraTags.length; i += 2) {
      tags.put(extraTags[i], extraTags[i + 1]);
    }
    return m.name(name, side.group(), doc, tags);
  }

  /** Unregisters the metrics (JMX included). */
  @Override
  public synchronized void close() {
    kmsTime = new Sensor[KmsOperation.values().length];
    if (metrics != null) {
      metrics.close();
      metrics = null;
    }
    if (pluginSink != null) {
      pluginSink.close();
      pluginSink = null;
    }
  }
}
