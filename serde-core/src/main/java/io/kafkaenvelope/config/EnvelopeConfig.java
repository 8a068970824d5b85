package io.kafkaenvelope.config;

import io.kafkaenvelope.internal.dek.RotationLimits;
import io.kafkaenvelope.internal.kek.KekSelector;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.CaseInsensitiveValidString;
import org.apache.kafka.common.config.ConfigException;

/**
 * The settings of the encrypting serializer and decrypting deserializer. They travel in the
 * ordinary Kafka client configuration map, so properties files, Spring Boot and Kafka Streams work
 * unchanged. A key serializer reads the same settings, and any {@code envelope.key.<name>} entry
 * overrides {@code envelope.<name>} for it.
 */
public final class EnvelopeConfig extends AbstractConfig {

  public static final String PREFIX = "envelope.";
  public static final String KEY_OVERRIDE_PREFIX = "envelope.key.";

  public static final String INNER_SERIALIZER = "envelope.inner.serializer";
  public static final String INNER_DESERIALIZER = "envelope.inner.deserializer";
  public static final String INNER_SERDE = "envelope.inner.serde";

  public static final String KMS_TYPE = "envelope.kms.type";
  public static final String KMS_TIMEOUT_MS = "envelope.kms.timeout.ms";
  public static final String KMS_FAILURE_BACKOFF_MS = "envelope.kms.failure.backoff.ms";
  public static final String KMS_CHECK_ON_CONFIGURE = "envelope.kms.check.on.configure";
  public static final String KMS_HEALTH_INTERVAL_MS = "envelope.kms.health.interval.ms";

  public static final String KEK_ID = "envelope.kek.id";
  public static final String KEK_ID_TEMPLATE = "envelope.kek.id.template";
  public static final String KEK_UNRESOLVED_POLICY = "envelope.kek.unresolved.policy";
  public static final String KEK_ALLOWED_IDS = "envelope.kek.allowed.ids";
  public static final String KEK_DISCOVERY = "envelope.kek.discovery";
  /** The placeholder a KEK template replaces with the topic name. */
  public static final String TOPIC_PLACEHOLDER = KekSelector.TOPIC_PLACEHOLDER;
  /**
   * How a KEK template's placeholder for a record header's value starts:
   * {@code ${header:tenant}}.
   */
  public static final String HEADER_PLACEHOLDER_START = KekSelector.HEADER_PLACEHOLDER_START;
  /**
   * The bare spelling of {@link #TOPIC_PLACEHOLDER}, {@code {topic}}: means the same, and no
   * framework rewrites it (Spring resolves {@code ${...}}, Kafka's config providers too).
   */
  public static final String BARE_TOPIC_PLACEHOLDER = KekSelector.BARE_TOPIC_PLACEHOLDER;
  /** The bare spelling of {@link #HEADER_PLACEHOLDER_START}: {@code {header:tenant}}. */
  public static final String BARE_HEADER_PLACEHOLDER_START =
      KekSelector.BARE_HEADER_PLACEHOLDER_START;

  public static final String DEK_MAX_AGE_MS = "envelope.dek.max.age.ms";
  public static final String DEK_MAX_RECORDS = "envelope.dek.max.records";
  public static final String DEK_MAX_BYTES = "envelope.dek.max.bytes";

  public static final String DEK_CACHE_MAX_SIZE = "envelope.dek.cache.max.size";
  public static final String DEK_CACHE_EXPIRE_AFTER_ACCESS_MS =
      "envelope.dek.cache.expire.after.access.ms";
  public static final String DEK_CACHE_EXPIRE_AFTER_WRITE_MS =
      "envelope.dek.cache.expire.after.write.ms";
  public static final String DEK_UNWRAP_MAX_PER_SECOND = "envelope.dek.unwrap.max.per.second";

  public static final String PLAINTEXT_POLICY = "envelope.plaintext.policy";
  public static final String MIRROR_SOURCE_ALIASES = "envelope.provenance.mirror.source.aliases";
  public static final String MIRROR_SEPARATOR = "envelope.provenance.mirror.separator";

  public static final String CLEAR_PREFIX = "envelope.clear.prefix";
  public static final String FRAMING = "envelope.framing";
  public static final String COMPRESSION_TYPE = "envelope.compression.type";
  public static final String FORMAT_VERSION = "envelope.format.version";
  public static final String DECOMPRESSED_MAX_BYTES = "envelope.decompressed.max.bytes";
  public static final String DECOMPRESSED_BUDGET_BYTES = "envelope.decompressed.budget.bytes";

  public static final String MODE = "envelope.mode";
  public static final String DETERMINISTIC_SCOPE = "envelope.deterministic.scope";
  public static final String DETERMINISTIC_EPOCH = "envelope.deterministic.epoch";

  /** Field mode ({@code envelope.mode=field}): the patterns of the fields to encrypt. */
  public static final String FIELDS = "envelope.fields";
  /** Field mode: tag names that select fields (Confluent's {@code confluent:tags}, ours). */
  public static final String FIELDS_TAGS = "envelope.fields.tags";
  /** Field mode, reader: what to do with a field whose KEK this reader may not use. */
  public static final String FIELDS_UNREADABLE = "envelope.fields.unreadable";
  /** {@code envelope.fields.kek.<tag or pattern>}: the KEK of the fields it names. */
  public static final String FIELDS_KEK_PREFIX = "envelope.fields.kek.";
  /** {@code envelope.fields.mode.<tag or pattern>}: {@code random} or {@code deterministic}. */
  public static final String FIELDS_MODE_PREFIX = "envelope.fields.mode.";
  /** {@code envelope.fields.scope.<tag or pattern>}: a deterministic scope name to share. */
  public static final String FIELDS_SCOPE_PREFIX = "envelope.fields.scope.";

  /**
   * Default consumer limit on one record's stated uncompressed size: 16 MiB, 16 times the
   * broker's default {@code message.max.bytes} (1 MiB), ample for per-record compression ratios
   * of real data.
   */
  public static final int DEFAULT_DECOMPRESSED_MAX_BYTES = 16 << 20;
  /** Default budget for the decompressed bytes of one poll's records. */
  public static final long DEFAULT_DECOMPRESSED_BUDGET_BYTES = 256L << 20;

  /** No setting can let one DEK encrypt more records than this (AES-GCM's per-key limits). */
  public static final long HARD_MAX_RECORDS_PER_DEK = RotationLimits.HARD_MAX_RECORDS;

  /** Default record limit: at 100k records/s this is one KMS call every ~100 s per producer. */
  public static final long DEFAULT_MAX_RECORDS = 10_000_000L;
  /** Default age limit: a compromised DEK exposes at most an hour of a producer's records. */
  public static final long DEFAULT_MAX_AGE_MS = 60 * 60 * 1000L;
  /**
   * Default byte limit: 64 GiB = 2^32 AES blocks, which keeps the GCM confidentiality bound
   * (about blocks^2 / 2^128) below 2^-64 per DEK.
   */
  public static final long DEFAULT_MAX_BYTES = 64L << 30;

  /** What the serializer does when the KMS reports that the resolved KEK does not exist. */
  public enum UnresolvedKekPolicy {
    /** Fail the send with a clear error (default). */
    REJECT,
    /** Send that topic's records unencrypted; logged once per topic. Opt-in only. */
    PLAINTEXT
  }

  /**
   * Which leading bytes of the inner serializer's output stay in the clear (authenticated as
   * associated data, not encrypted), so schema-registry-aware tools can still read the schema id.
   */
  public enum ClearPrefix {
    /** Everything is encrypted (default). */
    NONE(0),
    /** Magic byte 0x00 and a 4-byte schema id: Confluent, Apicurio 3.x, Apicurio 2.x legacy ids. */
    SCHEMA_ID_4(5),
    /** Magic byte 0x00 and an 8-byte global id: Apicurio 2.x's default id handler. */
    SCHEMA_ID_8(9);

    /** The schema registries' magic byte, which a registry-framed value must start with. */
    public static final byte REGISTRY_MAGIC = 0x00;

    private final int length;

    ClearPrefix(int length) {
      this.length = length;
    }

    /** Bytes left in the clear; 0 for {@link #NONE}. */
    public int length() {
      return length;
    }

    String configValue() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** What the deserializer does with a record that carries no envelope. */
  public enum PlaintextPolicy {
    /** Fail: anyone who can write to the topic could inject forged plaintext (default). */
    REJECT,
    /** Hand the bytes to the inner deserializer as they are; for migrating plaintext topics. */
    ALLOW
  }

  private static final ConfigDef DEF = new ConfigDef()
      .define(INNER_SERIALIZER, Type.CLASS, null, Importance.HIGH,
          "The serializer whose output is encrypted, e.g. "
              + "org.apache.kafka.common.serialization.StringSerializer. It is configured with the "
              + "same configuration map, so its own settings work unchanged. Not needed when an "
              + "instance is passed to the constructor.")
      .define(INNER_DESERIALIZER, Type.CLASS, null, Importance.HIGH,
          "The deserializer that receives the decrypted bytes. Configured with the same map.")
      .define(INNER_SERDE, Type.CLASS, null, Importance.MEDIUM,
          "For EnvelopeSerde created by class name (e.g. Kafka Streams default.value.serde): "
              + "the Serde whose serializer and deserializer are wrapped.")
      .define(KMS_TYPE, Type.STRING, null, Importance.HIGH,
          "Which KMS holds the key-encryption keys: 'local' (Tink keyset files, development "
              + "only), 'in-memory' (tests only), 'aws-kms' (module kms-aws), 'vault-transit' "
              + "(module kms-vault), 'gcp-kms' (module kms-gcp), 'azure-keyvault' (module "
              + "kms-azure), or any provider found with ServiceLoader. Required.")
      .define(KMS_TIMEOUT_MS, Type.LONG, 15_000L, Range.between(1, 600_000), Importance.MEDIUM,
          "How long a send waits for the KMS when it has no usable data key (first record, or "
              + "the current key is exhausted and the next one is not ready).")
      .define(KMS_FAILURE_BACKOFF_MS, Type.LONG, 5_000L, Range.between(0, 3_600_000),
          Importance.LOW,
          "After a KMS call fails, requests that need the same key fail fast with the remembered "
              + "error for this long, so an outage is not hammered by every record.")
      .define(KMS_CHECK_ON_CONFIGURE, Type.BOOLEAN, true, Importance.MEDIUM,
          "Check the KMS and the KEK in configure(), so a broken KMS setup stops the client at "
              + "start-up instead of failing the first records (a ConfigException naming the KEK, "
              + "the setting it came from and the KMS's answer). Serializer with " + KEK_ID
              + ": makes the first data key, which is kept and used by the first records (no "
              + "extra KMS call); in deterministic mode with a named "
              + "envelope.deterministic.scope: derives the key (cached and used), otherwise "
              + "checks the KEK's metadata (one call). With " + KEK_ID_TEMPLATE + " no KEK is "
              + "known before a topic is, so only the template's syntax and the KMS client's "
              + "settings are checked. Field mode: each KEK of envelope.fields.kek.* too (its "
              + "first data key made and kept; for deterministic fields its metadata checked). "
              + "Deserializer: checks the metadata of " + KEK_ID + " and "
              + "each exact id in " + KEK_ALLOWED_IDS + " (one call each: exists, enabled, a key "
              + "for decryption, or for MACs in deterministic mode; in the default mode a MAC "
              + "key passes too, after a second call, as the reader also reads deterministic "
              + "records); templates and discovery "
              + "name no KEK to check. Each call is bounded by " + KMS_TIMEOUT_MS + ". A KMS "
              + "without a metadata call (third-party providers that do not implement "
              + "KeyManagementService.checkKek) is not called by the deserializer's check. "
              + "Set false to start without the KMS (e.g. a producer whose KMS may come up "
              + "later).")
      .define(KMS_HEALTH_INTERVAL_MS, Type.LONG, 30_000L, Range.between(0, 86_400_000L),
          Importance.LOW,
          "health() on the serializer or deserializer (readiness probes) asks the KMS about its "
              + "KEKs at most once per this many milliseconds and answers with the last result "
              + "in between, however often it is called (0: ask on every call).")
      .define(KEK_ID, Type.STRING, null, Importance.HIGH,
          "The KEK that wraps data keys for every topic, in the KMS's naming. Set this or "
              + KEK_ID_TEMPLATE + ". It means the same on both sides: the serializer wraps new "
              + "data keys under it, and the deserializer accepts only records under it (plus "
              + KEK_ALLOWED_IDS + "), so one properties file serves producers and consumers.")
      .define(KEK_ID_TEMPLATE, Type.STRING, null, Importance.HIGH,
          "A per-topic KEK id in which " + TOPIC_PLACEHOLDER + " is replaced by the topic name, "
              + "e.g. 'alias/kafka-" + TOPIC_PLACEHOLDER + "'. Set this or " + KEK_ID + ". The "
              + "deserializer expects the KEK of the topic each record was produced to (for a "
              + "mirrored topic 'source.orders', the KEK of 'orders'). Per-tenant KEKs: "
              + HEADER_PLACEHOLDER_START + "NAME} is replaced by the value of the record's header "
              + "NAME, e.g. 'kafka-" + TOPIC_PLACEHOLDER + "-" + HEADER_PLACEHOLDER_START
              + "tenant}', on the serializer (each tenant's records are wrapped under its own KEK) "
              + "and the deserializer (a record is accepted under the KEK its own header names) "
              + "alike. The value must match " + KekSelector.HEADER_VALUE.pattern() + " (no "
              + "dots or slashes: it becomes part of a KEK id); a record without the header, or "
              + "whose value does not match, fails closed (KEK_HEADER_INVALID) before any KMS "
              + "call (the serializer sends nothing). Header templates need the record's "
              + "headers: values serialized without them (Kafka Streams state stores) fail. "
              + "Each placeholder may also be written without the dollar sign, "
              + BARE_TOPIC_PLACEHOLDER + " and " + BARE_HEADER_PLACEHOLDER_START + "NAME}, with "
              + "the same meaning (the two spellings mix): frameworks that resolve ${...} "
              + "themselves (Spring property placeholders, Kafka config providers, shells) leave "
              + "the bare form alone.")
      .define(KEK_ALLOWED_IDS, Type.LIST, List.of(), Importance.MEDIUM,
          "Deserializer: KEKs accepted besides the one " + KEK_ID + " or " + KEK_ID_TEMPLATE
              + " names for the topic: exact ids, and templates in which " + TOPIC_PLACEHOLDER
              + " stands for the topic the record was produced to and "
              + HEADER_PLACEHOLDER_START + "NAME} for the value of the record's header NAME, "
              + "or their bare spellings " + BARE_TOPIC_PLACEHOLDER + " and "
              + BARE_HEADER_PLACEHOLDER_START + "NAME} "
              + "(e.g. an old KEK after a "
              + "migration, 'alias/kafka-" + TOPIC_PLACEHOLDER + "' beside a new one). A record "
              + "whose envelope names any other KEK is refused (KEK_NOT_ALLOWED) before any KMS "
              + "call. Ids are compared the way the KMS names keys (see its docs: AWS key ids, "
              + "ARNs and aliases; Vault key names).")
      .define(KEK_DISCOVERY, Type.BOOLEAN, false, Importance.MEDIUM,
          "Deserializer: accept records under any KEK the KMS will unwrap, instead of only the "
              + "KEKs of " + KEK_ID + ", " + KEK_ID_TEMPLATE + " and " + KEK_ALLOWED_IDS + ". Then "
              + "anyone who may write to the topic and holds some KEK this consumer can unwrap "
              + "can forge records; the KMS's discovery filter (AWS: accounts and partition) still "
              + "applies. Logged at WARN when a deserializer is configured. Off by default.")
      .define(KEK_UNRESOLVED_POLICY, Type.STRING, "reject",
          CaseInsensitiveValidString.in("reject", "plaintext"), Importance.MEDIUM,
          "When the KMS reports that the KEK for a topic does not exist: 'reject' fails the send "
              + "(default); 'plaintext' sends that topic's records unencrypted (opt-in, logged "
              + "once per topic). KMS outages and access errors always fail the send.")
      .define(DEK_MAX_AGE_MS, Type.LONG, DEFAULT_MAX_AGE_MS, Range.between(1000,
          7L * 24 * 3600_000),
          Importance.MEDIUM,
          "A data key is retired this long after it was first used. The next key is prepared in "
              + "the background at 90% of any limit, so rotation does not stall sends. The age is "
              + "read from the clock on every record from 90% of it on (a timer marks that point) "
              + "and on every 16th record before, so the first record at the limit rotates; only "
              + "if that timer runs more than a tenth of the age late can up to 15 records go out "
              + "under the key past the limit.")
      .define(DEK_MAX_RECORDS, Type.LONG, DEFAULT_MAX_RECORDS,
          Range.between(1, HARD_MAX_RECORDS_PER_DEK), Importance.MEDIUM,
          "A data key is retired after encrypting this many records. Capped at 2^31 whatever "
              + "the setting (AES-GCM's per-key message limit is 2^32).")
      .define(DEK_MAX_BYTES, Type.LONG, DEFAULT_MAX_BYTES, Range.between(1, Long.MAX_VALUE),
          Importance.LOW,
          "A data key is retired once it has encrypted this many bytes (the record that crosses "
              + "the limit is the last one; compressed records count their compressed bytes). The "
              + "default, 64 GiB, is 2^32 AES blocks.")
      .define(DEK_CACHE_MAX_SIZE, Type.INT, 1000, Range.between(1, 1_000_000), Importance.LOW,
          "How many unwrapped data keys a consumer process keeps. The cache is shared by every "
              + "deserializer in the JVM with the same KMS settings.")
      .define(DEK_CACHE_EXPIRE_AFTER_ACCESS_MS, Type.LONG, 3_600_000L,
          Range.between(1000, 7L * 24 * 3600_000), Importance.LOW,
          "An unwrapped data key unused for this long is dropped from the consumer cache.")
      .define(DEK_CACHE_EXPIRE_AFTER_WRITE_MS, Type.LONG, 3_600_000L,
          Range.between(1000, 7L * 24 * 3600_000), Importance.MEDIUM,
          "An unwrapped data key is dropped from the consumer cache this long after it was "
              + "unwrapped, even while in use, and unwrapped again by the KMS when next needed. "
              + "This bounds how long a consumer keeps decrypting after a KEK is disabled or its "
              + "access revoked (default 1 hour).")
      .define(DEK_UNWRAP_MAX_PER_SECOND, Type.INT, 100, Range.between(1, 100_000),
          Importance.LOW,
          "Deserializer: at most this many data keys are unwrapped per second by one cache "
              + "(shared by the deserializers with the same KMS settings in a JVM), so a flood "
              + "of records with made-up wrapped keys cannot turn into a flood of KMS calls. A "
              + "record that needs an unwrap beyond the rate waits for its turn, up to "
              + KMS_TIMEOUT_MS + ", and then fails (UNWRAP_LIMITED). After an unwrap under a KEK "
              + "fails, further new keys under that KEK wait " + KMS_FAILURE_BACKOFF_MS
              + " (one KMS call per KEK per backoff window).")
      .define(PLAINTEXT_POLICY, Type.STRING, "reject",
          CaseInsensitiveValidString.in("reject", "allow"), Importance.MEDIUM,
          "What the deserializer does with a record that has no envelope: 'reject' (default) "
              + "fails it, since anyone who can write to the topic could inject forged plaintext; "
              + "'allow' passes it to the inner deserializer, for topics migrating to encryption.")
      .define(MIRROR_SOURCE_ALIASES, Type.LIST, List.of(), Importance.LOW,
          "Every record is bound to the topic it was produced to and is refused from any other "
              + "topic. A record produced to T is also accepted from '<alias><separator>T' for "
              + "each alias listed here (MirrorMaker 2's DefaultReplicationPolicy names mirrored "
              + "topics 'source.T'); repeated prefixes from multi-hop mirrors are accepted too.")
      .define(MIRROR_SEPARATOR, Type.STRING, ".", Importance.LOW,
          "The separator between a mirror alias and the topic name (MirrorMaker 2's "
              + "replication.policy.separator).")
      .define(CLEAR_PREFIX, Type.STRING, "none",
          CaseInsensitiveValidString.in("none", "schema-id-4", "schema-id-8"), Importance.LOW,
          "Serializer: keep the schema registry's framing of each value in the clear so "
              + "registry-aware tools still see the schema id while the body is encrypted. "
              + "'none' (default) encrypts everything; 'schema-id-4' leaves the magic byte 0x00 "
              + "and a 4-byte schema id in the clear (Confluent, Apicurio 3.x); 'schema-id-8' the "
              + "magic byte and an 8-byte global id (Apicurio 2.x default). The clear bytes are "
              + "authenticated (changing them breaks decryption) but readable: they reveal which "
              + "schema a record uses. A value that does not start with the magic byte fails the "
              + "send. Applies to records with headers; values framed inline (no headers, e.g. "
              + "Kafka Streams state stores) are encrypted whole. Readers need no setting.")
      .define(FRAMING, Type.STRING, "headers",
          CaseInsensitiveValidString.in("headers", "inline"), Importance.MEDIUM,
          "Serializer: where the envelope goes. 'headers' (default for EncryptingSerializer) "
              + "puts it in a record header when the client passes headers and frames it inline "
              + "in the value when it does not. 'inline' always frames it inside the value, so "
              + "the value alone is decryptable: EnvelopeSerde uses it by default, because Kafka "
              + "Streams 4.3+ hands state-store serdes the current record's headers, which are "
              + "not stored with the value. Readers need no setting: they accept both.")
      .define(FORMAT_VERSION, Type.INT, 1, ConfigDef.LambdaValidator.with((name, value) -> {
        if (!(value instanceof Integer) || ((Integer) value != 1 && (Integer) value != 6)) {
          throw new ConfigException(name, value, "must be 1 or 6");
        }
      }, () -> "1 or 6"), Importance.LOW,
          "Serializer: the envelope format version to write. 1 (the default) writes versions "
              + "1 to 3, whose records carry the whole envelope header as AES-GCM associated "
              + "data; 6 binds the header through a key derived once per data key and header "
              + "instead, which takes the header's cost off every record (about 20-25% less CPU "
              + "per 1 KiB record on JDK 17's AES-GCM, 30-35% with AWS KMS's long headers) with "
              + "the same bytes on the wire. Readers of this library version or later read both, "
              + "with no setting; older readers refuse version 6 records as an unsupported format "
              + "version. Upgrade every consumer first, then set 6 on the producers "
              + "(docs/wire-format.md, version 6).")
      .define(COMPRESSION_TYPE, Type.STRING, "none",
          CaseInsensitiveValidString.in("none", "gzip", "lz4", "zstd"), Importance.MEDIUM,
          "Serializer: compress each record's bytes before encrypting them ('gzip', 'lz4' or "
              + "'zstd'; 'none', the default, does not). Ciphertext does not compress, so the "
              + "producer's own compression.type does nothing for encrypted records: set it to "
              + "'none' for such topics and use this instead. A record goes out compressed only "
              + "if that makes it smaller; otherwise exactly as without this setting. lz4 and zstd "
              + "need lz4-java and zstd-jni, which kafka-clients brings. CAUTION: compressing "
              + "before encrypting makes each record's encrypted length depend on its content. "
              + "Enable it only where no record mixes data an attacker can influence with secrets "
              + "(CRIME/BREACH-style attacks recover secrets from such lengths). Readers need this "
              + "library version or later (older versions reject compressed records as an "
              + "unsupported format version) and no setting.")
      .define(DECOMPRESSED_MAX_BYTES, Type.INT, DEFAULT_DECOMPRESSED_MAX_BYTES,
          Range.atLeast(1), Importance.LOW,
          "Deserializer: the largest uncompressed size a compressed record may state (default "
              + "16 MiB). A record stating more fails (checked before any memory is allocated "
              + "for it), as does one whose data does not decompress to exactly the stated size.")
      .define(DECOMPRESSED_BUDGET_BYTES, Type.LONG, DEFAULT_DECOMPRESSED_BUDGET_BYTES,
          Range.atLeast(1), Importance.LOW,
          "Deserializer: the most bytes the compressed records of one poll may decompress to "
              + "together (default 256 MiB), so a few small records cannot make a consumer "
              + "allocate gigabytes. Counted over the last max.poll.records compressed records "
              + "this deserializer read (a poll returns at most that many); the record that "
              + "would exceed it fails (DECOMPRESSION_LIMIT) and the count starts again, so the "
              + "next poll can read it.")
      .define(MODE, Type.STRING, "record", CaseInsensitiveValidString.in("record",
          "deterministic", "field"), Importance.MEDIUM,
          "Serializer: 'record' (default) encrypts each record with AES-256-GCM under a random "
              + "nonce, so equal plaintexts give different bytes. 'deterministic' encrypts with "
              + "AES-SIV under a key every producer derives from the KMS (a MAC under the KEK: "
              + "local PRF keyset, AWS KMS HMAC key, Vault Transit hmac), so equal plaintexts in "
              + "one scope give byte-identical output on any producer, host and restart: log "
              + "compaction, the default partitioner, joins and groupByKey work on encrypted "
              + "record keys. Meant for the key serializer (envelope.key.mode=deterministic). The "
              + "envelope is always inside the bytes (no record header). It reveals which "
              + "records have equal plaintexts (and their lengths): never use it for "
              + "low-entropy values (a yes/no, a small set of codes) that can be guessed by "
              + "trying them. Readers need no setting but the KEK policy, "
              + DETERMINISTIC_SCOPE + " and " + DETERMINISTIC_EPOCH + " below, and MAC "
              + "permission on the KEK instead of decrypt. Not combinable with "
              + CLEAR_PREFIX + " or " + COMPRESSION_TYPE + ". 'field' encrypts only the chosen "
              + "fields of each record (" + FIELDS + ", " + FIELDS_TAGS + ", schema annotations) "
              + "and leaves the others readable; it needs a format's serializer (serde-avro, "
              + "serde-json; see docs/serdes.md) and record headers (not with " + FRAMING
              + "=inline), and is not combinable with " + CLEAR_PREFIX + " or " + COMPRESSION_TYPE
              + ". Readers need no setting to tell the modes apart.")
      .define(DETERMINISTIC_SCOPE, Type.STRING, null, Importance.LOW,
          "Deterministic mode: the name of the scope ciphertexts are equal within. Unset "
              + "(default): each topic is its own scope, and a record copied to another topic is "
              + "refused. Set the same name on topics whose encrypted keys must match (joins "
              + "across topics); their records are then readable in each other's topics, and "
              + "the KEK must be one " + KEK_ID + " (not a template). Deserializer: the named "
              + "scope it accepts besides the topic's own.")
      .define(DETERMINISTIC_EPOCH, Type.INT, 0, Range.between(0, Integer.MAX_VALUE),
          Importance.LOW,
          "Deterministic mode: the key epoch. Serializer: the epoch new records are "
              + "encrypted under; raising it changes every ciphertext (a rotation: compaction no "
              + "longer merges old and new records of one key, see the README on re-keying a "
              + "compacted topic). Deserializer: the highest epoch it accepts; every lower "
              + "epoch stays readable. Raise it on consumers first, then on producers. Also the "
              + "epoch of deterministically encrypted fields.")
      .define(FIELDS, Type.LIST, List.of(), Importance.HIGH,
          "Field mode (" + MODE + "=field): the fields to encrypt, as patterns: field names "
              + "joined by '.', '[]' after a name for every element of an array or value of a "
              + "map, e.g. 'customer.ssn,card.number,lines[].address'. Nullable and union types "
              + "are transparent. Fields are also chosen by the schema annotation "
              + "'kafka-envelope.encrypt' and by " + FIELDS_TAGS + ". The syntax is checked at "
              + "configure(); a pattern the record's schema lacks fails configure() where the "
              + "format knows the schema then, else the first record of that schema. Per field "
              + "(by pattern or tag, the pattern's setting winning): " + FIELDS_KEK_PREFIX
              + "<tag or pattern> names its KEK (default: the record's, " + KEK_ID + " or "
              + KEK_ID_TEMPLATE + "), " + FIELDS_MODE_PREFIX + "<tag or pattern> 'random' "
              + "(default, AES-256-GCM) or 'deterministic' (AES-SIV: equal values give equal "
              + "ciphertexts within a scope; see " + MODE + " for what that reveals), "
              + FIELDS_SCOPE_PREFIX + "<tag or pattern> a deterministic scope name shared by "
              + "the topics whose field values must match (default: the topic, role and "
              + "pattern). See the per-field settings below and docs/design.md.")
      .define(FIELDS_TAGS, Type.LIST, List.of(), Importance.MEDIUM,
          "Field mode: tag names that choose fields, matched against the tags on a field's "
              + "schema (Confluent's 'confluent:tags', the tags of our 'kafka-envelope.encrypt' "
              + "annotation), e.g. 'PII'.")
      .define(FIELDS_UNREADABLE, Type.STRING, "fail",
          CaseInsensitiveValidString.in("fail", "null", "keep"), Importance.MEDIUM,
          "Deserializer, field mode: what to do with an encrypted field whose KEK this reader "
              + "does not accept (" + KEK_ID + ", " + KEK_ALLOWED_IDS + ", " + KEK_DISCOVERY
              + "; decided before any KMS call) or whose key the KMS refuses (access denied): "
              + "'fail' (default) refuses the record (KEK_NOT_ALLOWED or ACCESS_DENIED); 'null' "
              + "returns the record with that field null (refused if its schema does not allow "
              + "null); 'keep' returns it with the field still holding its ciphertext. Fields "
              + "this reader may read are decrypted and authenticated as always.");

  private EnvelopeConfig(Map<String, ?> resolved) {
    super(DEF, resolved, false);
    boolean fixed = getString(KEK_ID) != null && !getString(KEK_ID).isBlank();
    boolean template = getString(KEK_ID_TEMPLATE) != null && !getString(KEK_ID_TEMPLATE).isBlank();
    if (fixed && template) {
      throw new ConfigException("Set only one of " + KEK_ID + " and " + KEK_ID_TEMPLATE);
    }
    if (template && !KekSelector.isTemplate(getString(KEK_ID_TEMPLATE))) {
      throw new ConfigException(KEK_ID_TEMPLATE, getString(KEK_ID_TEMPLATE),
          "must contain " + TOPIC_PLACEHOLDER + " or " + HEADER_PLACEHOLDER_START + "NAME} (or "
              + BARE_TOPIC_PLACEHOLDER + " or " + BARE_HEADER_PLACEHOLDER_START + "NAME})");
    }
    checkTemplates();
    for (String alias : getList(MIRROR_SOURCE_ALIASES)) {
      if (alias.isBlank()) {
        throw new ConfigException(MIRROR_SOURCE_ALIASES, getList(MIRROR_SOURCE_ALIASES),
            "an alias must not be empty (an empty alias would accept records copied from any "
                + "topic whose name starts with the separator)");
      }
    }
    checkFieldMode();
    if (getString(MIRROR_SEPARATOR).isEmpty()) {
      throw new ConfigException(MIRROR_SEPARATOR, "", "must not be empty (MirrorMaker 2's "
          + "replication.policy.separator, '.' by default)");
    }
  }

  /** Field mode's combinations and pattern syntax, refused at configure() naming the setting. */
  private void checkFieldMode() {
    for (String p : fieldPatterns()) {
      try {
        io.kafkaenvelope.internal.field.FieldPaths.checkPattern(p);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(FIELDS, getList(FIELDS), "pattern '" + p + "': "
            + e.getMessage());
      }
    }
    if (!fieldMode()) {
      return;
    }
    String why = null;
    if (alwaysInline()) {
      why = FRAMING + "=inline (field mode writes its envelope into record headers; the value "
          + "keeps its format's own framing)";
    } else if (clearPrefix() != ClearPrefix.NONE) {
      why = CLEAR_PREFIX + " (the value is not encrypted as a whole; its framing stays as it is)";
    } else if (compressionCodecId() != 0) {
      why = COMPRESSION_TYPE + " (fields are encrypted one by one, uncompressed)";
    }
    if (why != null) {
      throw new ConfigException(MODE + "=field cannot be combined with " + why);
    }
  }

  /** The definitions, for documentation and for tools. */
  public static ConfigDef configDef() {
    return new ConfigDef(DEF);
  }

  /**
   * Parses the settings for one role: for a key serde, {@code envelope.key.<name>} entries replace
   * {@code envelope.<name>}.
   */
  public static EnvelopeConfig forRole(Map<String, ?> configs, boolean isKey) {
    return new EnvelopeConfig(resolveRole(configs, isKey));
  }

  /** The configuration map with key-role overrides applied (what KMS providers receive). */
  public static Map<String, Object> resolveRole(Map<String, ?> configs, boolean isKey) {
    Map<String, Object> resolved = new HashMap<>(configs);
    if (isKey) {
      for (Map.Entry<String, ?> e : configs.entrySet()) {
        if (e.getKey().startsWith(KEY_OVERRIDE_PREFIX)) {
          resolved.put(PREFIX + e.getKey().substring(KEY_OVERRIDE_PREFIX.length()), e.getValue());
        }
      }
    }
    return resolved;
  }

  /** The class a setting of type CLASS names ({@code envelope.inner.*}), or {@code null}. */
  public Class<?> innerClass(String setting) {
    return getClass(setting);
  }

  /** Refuses a template with an empty {@code ${header:}} name, naming the setting. */
  private void checkTemplates() {
    checkTemplate(KEK_ID_TEMPLATE, kekIdTemplate());
    for (String id : allowedKekIds()) {
      checkTemplate(KEK_ALLOWED_IDS, id);
    }
  }

  private static void checkTemplate(String setting, String id) {
    if (id != null && KekSelector.isTemplate(id)) {
      try {
        KekSelector.template(id);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(setting, id, e.getMessage());
      }
    }
  }

  /** {@code envelope.kek.id}, trimmed, or {@code null} when not set. */
  public String kekId() {
    return trimmedOrNull(getString(KEK_ID));
  }

  /** {@code envelope.kek.id.template}, trimmed, or {@code null} when not set. */
  public String kekIdTemplate() {
    return trimmedOrNull(getString(KEK_ID_TEMPLATE));
  }

  private static String trimmedOrNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  public long kmsTimeoutMs() {
    return getLong(KMS_TIMEOUT_MS);
  }

  public long kmsFailureBackoffMs() {
    return getLong(KMS_FAILURE_BACKOFF_MS);
  }

  /** {@code envelope.kms.check.on.configure}: check the KMS and KEK in {@code configure()}. */
  public boolean kmsCheckOnConfigure() {
    return getBoolean(KMS_CHECK_ON_CONFIGURE);
  }

  public long kmsHealthIntervalMs() {
    return getLong(KMS_HEALTH_INTERVAL_MS);
  }

  public long dekMaxAgeMs() {
    return getLong(DEK_MAX_AGE_MS);
  }

  public long dekMaxRecords() {
    return getLong(DEK_MAX_RECORDS);
  }

  public long dekMaxBytes() {
    return getLong(DEK_MAX_BYTES);
  }

  public int dekCacheMaxSize() {
    return getInt(DEK_CACHE_MAX_SIZE);
  }

  public long dekCacheExpireAfterAccessMs() {
    return getLong(DEK_CACHE_EXPIRE_AFTER_ACCESS_MS);
  }

  public long dekCacheExpireAfterWriteMs() {
    return getLong(DEK_CACHE_EXPIRE_AFTER_WRITE_MS);
  }

  public int dekUnwrapMaxPerSecond() {
    return getInt(DEK_UNWRAP_MAX_PER_SECOND);
  }

  public List<String> mirrorSourceAliases() {
    return getList(MIRROR_SOURCE_ALIASES);
  }

  public String mirrorSeparator() {
    return getString(MIRROR_SEPARATOR);
  }

  public int decompressedMaxBytes() {
    return getInt(DECOMPRESSED_MAX_BYTES);
  }

  public long decompressedBudgetBytes() {
    return getLong(DECOMPRESSED_BUDGET_BYTES);
  }

  /** Whether a KEK id or template is set (the serializer needs one; the deserializer does not). */
  public boolean hasKek() {
    return kekId() != null || kekIdTemplate() != null;
  }

  public UnresolvedKekPolicy unresolvedKekPolicy() {
    return UnresolvedKekPolicy.valueOf(getString(KEK_UNRESOLVED_POLICY).toUpperCase(Locale.ROOT));
  }

  public ClearPrefix clearPrefix() {
    String v = getString(CLEAR_PREFIX).toLowerCase(Locale.ROOT);
    for (ClearPrefix p : ClearPrefix.values()) {
      if (p.configValue().equals(v)) {
        return p;
      }
    }
    throw new ConfigException(CLEAR_PREFIX, v, "unknown clear prefix");
  }

  /**
   * Whether the serializer frames every envelope inside the value ({@code
   * envelope.framing=inline}).
   */
  public boolean alwaysInline() {
    return getString(FRAMING).equalsIgnoreCase("inline");
  }

  /** The configured codec's id ({@code envelope.compression.type}), 0 for {@code none}. */
  public int compressionCodecId() {
    int id = io.kafkaenvelope.internal.compress.Codecs.idOf(getString(COMPRESSION_TYPE));
    if (id < 0) {
      throw new ConfigException(COMPRESSION_TYPE, getString(COMPRESSION_TYPE),
          "unknown compression type");
    }
    return id;
  }

  /**
   * Whether the serializer writes format version 6 ({@code envelope.format.version=6}): records
   * sealed under a per-header key instead of with the header as associated data.
   */
  public boolean bindsHeaderThroughKey() {
    return getInt(FORMAT_VERSION) == 6;
  }

  /** Whether the serializer encrypts deterministically ({@code envelope.mode=deterministic}). */
  public boolean deterministic() {
    return getString(MODE).equalsIgnoreCase("deterministic");
  }

  /** Whether the serializer encrypts chosen fields only ({@code envelope.mode=field}). */
  public boolean fieldMode() {
    return getString(MODE).equalsIgnoreCase("field");
  }

  /** {@code envelope.fields}, trimmed, without empty entries. */
  public List<String> fieldPatterns() {
    return getList(FIELDS).stream().map(String::trim).filter(p -> !p.isEmpty()).toList();
  }

  /** {@code envelope.fields.tags}, trimmed, without empty entries. */
  public List<String> fieldTags() {
    return getList(FIELDS_TAGS).stream().map(String::trim).filter(p -> !p.isEmpty()).toList();
  }

  /** {@code envelope.fields.unreadable}, lower case: {@code fail}, {@code null} or {@code keep}. */
  public String fieldsUnreadable() {
    return getString(FIELDS_UNREADABLE).toLowerCase(Locale.ROOT);
  }

  /**
   * The per-field settings under {@code prefix} (e.g. {@link #FIELDS_KEK_PREFIX}), keyed by the
   * tag or pattern after it, values trimmed, in name order.
   */
  public Map<String, String> fieldSettings(String prefix) {
    Map<String, String> m = new java.util.TreeMap<>();
    for (Map.Entry<String, Object> e : originalsWithPrefix(prefix, true).entrySet()) {
      m.put(e.getKey(), e.getValue() == null ? "" : e.getValue().toString().trim());
    }
    return m;
  }

  /** {@code envelope.deterministic.scope}, trimmed, or {@code null} for the topic's own scope. */
  public String deterministicScope() {
    return trimmedOrNull(getString(DETERMINISTIC_SCOPE));
  }

  public int deterministicEpoch() {
    return getInt(DETERMINISTIC_EPOCH);
  }

  /** {@code envelope.kek.allowed.ids}, trimmed, without empty entries. */
  public List<String> allowedKekIds() {
    return getList(KEK_ALLOWED_IDS).stream().map(String::trim).filter(id -> !id.isEmpty())
        .toList();
  }

  /**
   * Whether the deserializer accepts any KEK the KMS will unwrap ({@code envelope.kek.discovery}).
   */
  public boolean kekDiscovery() {
    return getBoolean(KEK_DISCOVERY);
  }

  public PlaintextPolicy plaintextPolicy() {
    return PlaintextPolicy.valueOf(getString(PLAINTEXT_POLICY).toUpperCase(Locale.ROOT));
  }

  /** The type name, or a {@link ConfigException} listing what to set. */
  public String kmsType() {
    String type = getString(KMS_TYPE);
    if (type == null || type.isBlank()) {
      throw new ConfigException("Missing required configuration \"" + KMS_TYPE
          + "\": name the KMS that holds the key-encryption keys (e.g. local, aws-kms, "
          + "vault-transit, gcp-kms, azure-keyvault)");
    }
    return type.trim();
  }
}
