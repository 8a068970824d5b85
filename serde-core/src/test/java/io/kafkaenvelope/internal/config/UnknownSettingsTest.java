package io.kafkaenvelope.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.testing.CapturingAppender;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UnknownSettingsTest {

  private static final Set<String> KNOWN = known();

  private static Set<String> known() {
    Set<String> k = new HashSet<>(EnvelopeConfig.configDef().names());
    k.add("envelope.kms.aws.region"); // a provider's setting
    return k;
  }

  @Test
  void aTypoInAnOptionalSettingIsFoundWithTheNameMeant() {
    Map<String, String> expected = new HashMap<>();
    expected.put("envelope.dek.max.record", "envelope.dek.max.records");
    expected.put("envelope.kms.aws.regoin", "envelope.kms.aws.region");
    expected.put("envelope.mod", "envelope.mode");
    assertEquals(expected, UnknownSettings.find(List.of("envelope.dek.max.record",
        "envelope.kms.aws.regoin", "envelope.mod", "envelope.kek.id", "bootstrap.servers"),
        KNOWN));
  }

  @Test
  void settingsUnderAKnownPrefixAreKnownButATypoInThePrefixIsNot() {
    Set<String> known = new HashSet<>(KNOWN);
    known.add(EnvelopeConfig.FIELDS_KEK_PREFIX);
    assertEquals(Map.of(), UnknownSettings.find(List.of("envelope.fields.kek.customer.ssn",
        "envelope.key.fields.kek.PII"), known));
    assertEquals(Set.of("envelope.fields.kekk.PII"),
        UnknownSettings.find(List.of("envelope.fields.kekk.PII"), known).keySet());
  }

  @Test
  void keyOverridesAreJudgedAsTheSettingTheyOverride() {
    assertEquals(Map.of(), UnknownSettings.find(List.of("envelope.key.kek.id",
        "envelope.key.mode"), KNOWN));
    assertEquals(Map.of("envelope.key.kek.idd", "envelope.kek.id"),
        UnknownSettings.find(List.of("envelope.key.kek.idd"), KNOWN));
  }

  @Test
  void otherModulesSettingsAndPassThroughAreLeftAlone() {
    assertEquals(Map.of(), UnknownSettings.find(List.of("envelope.avro.reader.schema",
        "envelope.protobuf.message.class", "envelope.converter.sink.mode",
        "envelope.inner.converter.schemas.enable", "envelope.inner.anything"), KNOWN));
  }

  @Test
  void anUnknownNameInOurNamespaceWithNothingCloseIsStillReported() {
    Map<String, String> found = UnknownSettings.find(List.of("envelope.dek.rotate.hourly"),
        KNOWN);
    assertTrue(found.containsKey("envelope.dek.rotate.hourly"), found.toString());
    assertTrue(found.get("envelope.dek.rotate.hourly") == null
        || found.get("envelope.dek.rotate.hourly").startsWith("envelope.dek."), found.toString());
  }

  @Test
  void eachUnknownSettingIsLoggedOncePerJvm() {
    int before = CapturingAppender.events().size();
    UnknownSettings.warnOnce(List.of("envelope.dek.max.bytez"), KNOWN);
    UnknownSettings.warnOnce(List.of("envelope.dek.max.bytez"), KNOWN);
    List<String> lines = CapturingAppender.events().stream().skip(before)
        .filter(m -> m.contains("envelope.dek.max.bytez")).toList();
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(lines.get(0).contains("Unknown setting envelope.dek.max.bytez is ignored (did you "
        + "mean envelope.dek.max.bytes?)"), lines.get(0));
  }

  @Test
  void distanceCountsEdits() {
    assertEquals(0, UnknownSettings.distance("abc", "abc"));
    assertEquals(1, UnknownSettings.distance("records", "record"));
    assertEquals(2, UnknownSettings.distance("region", "regoin"));
    assertEquals(3, UnknownSettings.distance("", "abc"));
  }
}
