package io.kafkaenvelope.kms.gcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.RuntimeVersion;
import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.local.LocalKms;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * google-cloud-kms raises protobuf-java above the version Tink (in serde-core) asks for: an
 * application with this module runs Tink on the newer runtime. This shows that it works there.
 */
class SharedDependenciesTest {

  @TempDir Path dir;

  @Test
  void serdeCoresTinkRunsOnTheProtobufRuntimeThisModuleBrings() {
    assertEquals(4, RuntimeVersion.MAJOR);
    assertEquals(33, RuntimeVersion.MINOR, "the protobuf-java google-cloud-kms brings");
    try (LocalKms local = new LocalKms(dir, true)) {
      EncryptionContext ctx = EncryptionContext.forDek("tink-on-protobuf-4-33");
      DataKey dk = local.generateDataKey("tink-on-protobuf-4-33", ctx);
      assertArrayEquals(dk.plaintext(), local.unwrap("tink-on-protobuf-4-33", dk.wrapped(), ctx));
    }
  }
}
