package io.kafkaenvelope.kms.local;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Parameters;
import com.google.crypto.tink.prf.PrfConfig;
import com.google.crypto.tink.prf.PrfSet;
import com.google.crypto.tink.prf.PredefinedPrfParameters;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A KMS made of Tink keyset files, one per KEK: {@code <dir>/<kekId>.json}, an AES-256-GCM keyset
 * in Tink's JSON format. For development, the demo and tests only: the KEKs sit unencrypted on the
 * local disk, so anyone who can read the directory can read every record. Use a real KMS in
 * production.
 *
 * <p>The KEK version reported in envelopes is the keyset's primary key id; {@link #rotate} adds a
 * new primary key, and records wrapped under older keys still unwrap. {@link #disable} marks a KEK
 * disabled (a {@code <kekId>.disabled} file beside its keyset): every running instance then fails
 * new data keys and unwraps under it with {@link Reason#KEY_DISABLED}, as a cloud KMS does for a
 * disabled key; {@link #enable} undoes it. {@link #list} describes the keysets of a directory.
 */
public final class LocalKms implements KeyManagementService {

  private static final Pattern KEK_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  private static final SecureRandom RANDOM = new SecureRandom();
  /** One monitor per keyset lock file, for the threads of this JVM. */
  private static final ConcurrentHashMap<Path, Object> LOCKS = new ConcurrentHashMap<>();

  static {
    try {
      AeadConfig.register();
      PrfConfig.register();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Path dir;
  private final boolean createMissing;
  private final ConcurrentHashMap<String, Kek> keks = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, PrfSet> prfs = new ConcurrentHashMap<>();

  private record Kek(Aead aead, String version) {}

  /**
   * A keyset of the directory, as {@link #list} reports it: the KEK id, the primary key's version
   * (what new envelopes record), every version it still unwraps, and whether it is disabled. No
   * key material.
   */
  public record KeysetInfo(String kekId, String primaryVersion, List<String> versions,
      boolean disabled) {}

  public LocalKms(Path dir, boolean createMissing) {
    this.dir = dir;
    this.createMissing = createMissing;
  }

  @Override
  public DataKey generateDataKey(String kekId, EncryptionContext context) {
    checkEnabled(dir, kekId);
    Kek kek = kek(kekId, createMissing);
    byte[] dek = new byte[DataKey.KEY_LENGTH];
    RANDOM.nextBytes(dek);
    try {
      return new DataKey(dek, kek.aead().encrypt(dek, context.canonicalBytes()), kek.version());
    } catch (GeneralSecurityException e) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "keyset cannot encrypt", e);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  @Override
  public byte[] unwrap(String kekId, byte[] wrappedKey, EncryptionContext context) {
    checkEnabled(dir, kekId);
    Kek kek = kek(kekId, false);
    try {
      return kek.aead().decrypt(wrappedKey, context.canonicalBytes());
    } catch (GeneralSecurityException e) {
      throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId,
          "the wrapped key was not made by this KEK, was changed, or its context differs");
    }
  }

  /**
   * Deterministic mode: HMAC-SHA256 of the context's canonical bytes under the primary key of the
   * KEK's keyset, which must hold HMAC PRF keys ({@code HmacPrfKey}, Tink's
   * {@code HMAC_SHA256_PRF}), not AES-GCM keys: as in AWS KMS, a deterministic KEK is a MAC key.
   * With {@code create.missing} such a keyset is created on first use. Do not {@link #rotate} it:
   * a new primary would change every derived key (rotate with the key epoch instead).
   */
  @Override
  public byte[] deriveKeyMaterial(String kekId, EncryptionContext context) {
    PrfSet prf = prf(kekId, createMissing);
    try {
      return prf.computePrimary(context.canonicalBytes(), DataKey.KEY_LENGTH);
    } catch (GeneralSecurityException e) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "keyset cannot compute a PRF");
    }
  }

  /**
   * The keyset file exists (or {@code create.missing} will create it on first use), the KEK is
   * not disabled, and its keys are of the kind {@code use} needs: AES-GCM to wrap and unwrap
   * data keys, HMAC PRF for deterministic mode.
   */
  @Override
  public boolean checkKek(String kekId, KekUse use) {
    checkEnabled(dir, kekId);
    if (!Files.exists(file(dir, kekId)) && createMissing) {
      return true;
    }
    if (use == KekUse.DERIVE) {
      prf(kekId, false);
    } else {
      try {
        kek(kekId, false);
      } catch (KmsException e) {
        if (e.reason() == Reason.KEY_NOT_FOUND) {
          throw e;
        }
        throw new KmsException(Reason.MISCONFIGURED, kekId, "keyset " + file(dir, kekId)
            + " holds no AES-GCM keys: wrapping data keys needs an AEAD KEK (an HMAC PRF "
            + "keyset serves deterministic mode only)");
      }
    }
    return true;
  }

  private PrfSet prf(String kekId, boolean create) {
    PrfSet prf = prfs.get(kekId);
    if (prf == null) {
      Path file = file(dir, kekId);
      try {
        if (!Files.exists(file)) {
          if (!create) {
            throw new KmsException(Reason.KEY_NOT_FOUND, kekId, "no keyset file " + file
                + " (set envelope.kms.local.create.missing=true to create KEKs on first use)");
          }
          createKeyset(file, PredefinedPrfParameters.HMAC_SHA256_PRF);
        }
        prf = read(file).getPrimitive(RegistryConfiguration.get(), PrfSet.class);
      } catch (IOException e) {
        throw new KmsException(Reason.MISCONFIGURED, kekId, "cannot read keyset " + file + ": "
            + e.getClass().getSimpleName());
      } catch (GeneralSecurityException e) {
        throw new KmsException(Reason.MISCONFIGURED, kekId, "keyset " + file + " holds no HMAC "
            + "PRF keys: deterministic mode needs a MAC key (give the key serializer its own KEK, "
            + "e.g. envelope.key.kek.id)");
      }
      PrfSet raced = prfs.putIfAbsent(kekId, prf);
      prf = raced != null ? raced : prf;
    }
    return prf;
  }

  /**
   * Adds a new primary key to {@code kekId}'s keyset (creating the keyset if needed): new DEKs are
   * wrapped under it; DEKs wrapped under earlier keys still unwrap.
   */
  public static void rotate(Path dir, String kekId) {
    Path file = file(dir, kekId);
    try {
      Files.createDirectories(dir);
      // Read-modify-write under the KEK's lock: two rotations at once must not drop each other's
      // key, or DEKs already wrapped under the dropped key would never unwrap again.
      withKeysetLock(file, () -> {
        KeysetHandle handle = Files.exists(file) ? read(file) : null;
        KeysetHandle.Builder b = handle == null ? KeysetHandle.newBuilder()
            : KeysetHandle.newBuilder(handle);
        b.addEntry(KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM)
            .withRandomId().makePrimary());
        replace(file, TinkJsonProtoKeysetFormat.serializeKeyset(b.build(),
            InsecureSecretKeyAccess.get()));
      });
    } catch (IOException | GeneralSecurityException e) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "cannot rotate keyset in " + dir + ": "
          + e.getClass().getSimpleName());
    }
  }

  /**
   * Creates a keyset for {@code kekId} with one key.
   *
   * @throws KmsException ({@link Reason#MISCONFIGURED}) if it exists already or cannot be written
   */
  public static void create(Path dir, String kekId) {
    Path file = file(dir, kekId);
    try {
      Files.createDirectories(dir);
      boolean[] created = {false};
      withKeysetLock(file, () -> {
        if (!Files.exists(file)) {
          replace(file, TinkJsonProtoKeysetFormat.serializeKeyset(
              KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM),
              InsecureSecretKeyAccess.get()));
          created[0] = true;
        }
      });
      if (!created[0]) {
        throw new KmsException(Reason.MISCONFIGURED, kekId, "a keyset exists already in " + dir
            + " (rotate it to add a key)");
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "cannot create keyset in " + dir + ": "
          + e.getClass().getSimpleName());
    }
  }

  /**
   * Disables {@code kekId}: from now on every instance refuses to generate or unwrap data keys
   * under it ({@link Reason#KEY_DISABLED}). Data keys consumers unwrapped earlier stay in their
   * caches until {@code envelope.dek.cache.expire.after.write.ms}. Reversible ({@link #enable});
   * delete the keyset file to destroy the KEK for good.
   *
   * @throws KmsException ({@link Reason#KEY_NOT_FOUND}) if there is no such keyset
   */
  public static void disable(Path dir, String kekId) {
    Path file = file(dir, kekId);
    if (!Files.exists(file)) {
      throw new KmsException(Reason.KEY_NOT_FOUND, kekId, "no keyset file " + file);
    }
    try {
      Path marker = disabledMarker(dir, kekId);
      if (!Files.exists(marker)) {
        Files.writeString(marker, "disabled\n");
      }
    } catch (IOException e) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "cannot disable keyset in " + dir + ": "
          + e.getClass().getSimpleName());
    }
  }

  /** Enables a KEK {@link #disable} disabled (nothing happens if it is enabled). */
  public static void enable(Path dir, String kekId) {
    Path file = file(dir, kekId);
    if (!Files.exists(file)) {
      throw new KmsException(Reason.KEY_NOT_FOUND, kekId, "no keyset file " + file);
    }
    try {
      Files.deleteIfExists(disabledMarker(dir, kekId));
    } catch (IOException e) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "cannot enable keyset in " + dir + ": "
          + e.getClass().getSimpleName());
    }
  }

  /** The keysets in {@code dir}, sorted by KEK id (empty if the directory does not exist). */
  public static List<KeysetInfo> list(Path dir) {
    List<KeysetInfo> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    List<String> ids;
    try (Stream<Path> files = Files.list(dir)) {
      ids = files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".json"))
          .map(n -> n.substring(0, n.length() - ".json".length()))
          .filter(id -> KEK_ID.matcher(id).matches())
          .sorted().toList();
    } catch (IOException e) {
      throw new KmsException(Reason.MISCONFIGURED, "*", "cannot list " + dir + ": "
          + e.getClass().getSimpleName());
    }
    for (String id : ids) {
      Path file = file(dir, id);
      try {
        KeysetHandle handle = read(file);
        List<String> versions = new ArrayList<>();
        for (int i = 0; i < handle.size(); i++) {
          versions.add(Integer.toUnsignedString(handle.getAt(i).getId()));
        }
        out.add(new KeysetInfo(id, Integer.toUnsignedString(handle.getPrimary().getId()),
            List.copyOf(versions), Files.exists(disabledMarker(dir, id))));
      } catch (IOException | GeneralSecurityException e) {
        throw new KmsException(Reason.MISCONFIGURED, id, "cannot read keyset " + file + ": "
            + e.getClass().getSimpleName());
      }
    }
    return out;
  }

  private static Path disabledMarker(Path dir, String kekId) {
    return dir.resolve(kekId + ".disabled");
  }

  /** Checked on every call, so a KEK disabled on disk stops instances that cached its keyset. */
  private static void checkEnabled(Path dir, String kekId) {
    file(dir, kekId); // validates the id before it names a file
    if (Files.exists(disabledMarker(dir, kekId))) {
      throw new KmsException(Reason.KEY_DISABLED, kekId, "the KEK is disabled (remove "
          + disabledMarker(dir, kekId) + " or run 'kafka-envelope keys enable' to enable it)");
    }
  }

  private Kek kek(String kekId, boolean create) {
    Kek kek = keks.get(kekId);
    if (kek != null) {
      return kek;
    }
    Path file = file(dir, kekId);
    try {
      if (!Files.exists(file)) {
        if (!create) {
          throw new KmsException(Reason.KEY_NOT_FOUND, kekId, "no keyset file " + file
              + " (set envelope.kms.local.create.missing=true to create KEKs on first use)");
        }
        createKeyset(file, PredefinedAeadParameters.AES256_GCM);
      }
      KeysetHandle handle = read(file);
      kek = new Kek(handle.getPrimitive(RegistryConfiguration.get(), Aead.class),
          Integer.toUnsignedString(handle.getPrimary().getId()));
    } catch (IOException | GeneralSecurityException e) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "cannot read keyset " + file + ": "
          + e.getClass().getSimpleName());
    }
    // Cached so a KEK rotated on disk is picked up by new serializer instances, not mid-stream.
    Kek raced = keks.putIfAbsent(kekId, kek);
    return raced != null ? raced : kek;
  }

  /**
   * Creates {@code file} unless it exists. Producers in several threads or processes may meet a
   * new KEK at the same moment; each must end up wrapping under the one keyset that stays on disk,
   * so creation happens under the KEK's lock and everyone then reads the file. (A plain
   * {@code Files.move} onto the target is rename(2), which silently replaces a file another
   * process has just created: the loser would wrap DEKs under a keyset that exists nowhere.)
   */
  private static void createKeyset(Path file, Parameters parameters)
      throws IOException, GeneralSecurityException {
    Files.createDirectories(file.getParent());
    withKeysetLock(file, () -> {
      if (!Files.exists(file)) {
        replace(file, TinkJsonProtoKeysetFormat.serializeKeyset(
            KeysetHandle.generateNew(parameters),
            InsecureSecretKeyAccess.get()));
      }
    });
  }

  /** Writes {@code json} to a private temp file and renames it onto {@code file} atomically. */
  private static void replace(Path file, String json) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), ".kek-", ".tmp");
    try {
      restrictToOwner(tmp);
      Files.writeString(tmp, json);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private interface KeysetUpdate {
    void run() throws IOException, GeneralSecurityException;
  }

  /**
   * Runs {@code update} holding the KEK's lock: a monitor for the threads of this JVM (a JVM
   * cannot hold two {@link FileLock}s on one file) and an exclusive lock on
   * {@code .<kekId>.lock} beside the keyset for other processes.
   */
  private static void withKeysetLock(Path file, KeysetUpdate update)
      throws IOException, GeneralSecurityException {
    Path lockFile = file.resolveSibling("." + file.getFileName() + ".lock");
    Object monitor = LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(),
        k -> new Object());
    synchronized (monitor) {
      try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
          FileLock ignored = ch.lock()) {
        update.run();
      }
    }
  }

  private static void restrictToOwner(Path p) {
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException | IOException ignored) {
      // not a POSIX file system; the directory's own permissions apply
    }
  }

  private static KeysetHandle read(Path file) throws IOException, GeneralSecurityException {
    return TinkJsonProtoKeysetFormat.parseKeyset(
        new String(Files.readAllBytes(file), StandardCharsets.UTF_8),
            InsecureSecretKeyAccess.get());
  }

  private static Path file(Path dir, String kekId) {
    if (!KEK_ID.matcher(kekId).matches()) {
      throw new KmsException(Reason.KEY_NOT_FOUND, kekId, "a local KEK id must match "
          + KEK_ID.pattern());
    }
    return dir.resolve(kekId + ".json");
  }

  @Override
  public String describe() {
    return "local(" + dir + ")";
  }

  @Override
  public void close() {}
}
