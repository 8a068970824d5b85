package io.kafkaenvelope.kms.gcp;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Cloud KMS CryptoKey or CryptoKeyVersion resource name, parsed from the string alone:
 * {@code projects/P/locations/L/keyRings/R/cryptoKeys/K} with an optional
 * {@code /cryptoKeyVersions/V}. Nothing is normalised: Cloud KMS resource ids are case-sensitive,
 * and a project id and its project number are different strings here.
 */
final class GcpKekName {

  /** A project id (with an optional {@code domain:} prefix) or a project number. */
  static final Pattern PROJECT = Pattern.compile("(?:[a-z0-9][a-z0-9.-]*:)?[a-z0-9][a-z0-9-]*");
  private static final Pattern NAME = Pattern.compile("projects/(" + PROJECT.pattern() + ")"
      + "/locations/([a-z0-9][a-z0-9-]*)/keyRings/([A-Za-z0-9_-]{1,63})"
      + "/cryptoKeys/([A-Za-z0-9_-]{1,63})(?:/cryptoKeyVersions/([1-9][0-9]{0,18}))?");

  final String project;
  /** The CryptoKey's resource name (without a version). */
  final String cryptoKey;
  /** The version id, or null when the name is a CryptoKey's. */
  final String version;

  private GcpKekName(String project, String cryptoKey, String version) {
    this.project = project;
    this.cryptoKey = cryptoKey;
    this.version = version;
  }

  /** Parses {@code name}, or returns null when it is not a CryptoKey(Version) resource name. */
  static GcpKekName parse(String name) {
    if (name == null) {
      return null;
    }
    Matcher m = NAME.matcher(name);
    if (!m.matches()) {
      return null;
    }
    String key = "projects/" + m.group(1) + "/locations/" + m.group(2) + "/keyRings/"
        + m.group(3) + "/cryptoKeys/" + m.group(4);
    return new GcpKekName(m.group(1), key, m.group(5));
  }

  boolean isVersion() {
    return version != null;
  }

  /** Whether {@code versionName} names a version of this CryptoKey (this version, if pinned). */
  boolean admitsVersion(String versionName) {
    GcpKekName v = parse(versionName);
    return v != null && v.isVersion() && v.cryptoKey.equals(cryptoKey)
        && (version == null || version.equals(v.version));
  }
}
