package io.kafkaenvelope.kms.azure;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A Key Vault or Managed HSM key identifier, parsed from the string alone:
 * {@code https://<host>[:port]/keys/<name>[/<version>][/]}. The host is lower-cased and the
 * default port dropped (DNS names are case-insensitive); the key name and version are kept as
 * written, because this code cannot prove another spelling names the same key. A string with a
 * query, fragment, user info, another scheme or another path is no key URL.
 */
final class AzureKeyUrl {

  /** Key Vault object names: 1-127 letters, digits and dashes. */
  private static final Pattern NAME = Pattern.compile("[0-9A-Za-z-]{1,127}");
  /** Key versions are 32 hex characters in Azure; accept short alphanumerics, nothing else. */
  private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z]{1,64}");

  /** Lower-case host, with {@code :port} unless it is 443. */
  final String authority;
  /** Lower-case host without the port. */
  final String host;
  final String name;
  /** Null for a versionless URL (the key's current version). */
  final String version;

  private AzureKeyUrl(String host, String authority, String name, String version) {
    this.host = host;
    this.authority = authority;
    this.name = name;
    this.version = version;
  }

  /** Parses {@code id}, or returns null when it is not a key URL. */
  static AzureKeyUrl parse(String id) {
    if (id == null || id.length() > 1024) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(id);
    } catch (URISyntaxException e) {
      return null;
    }
    if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null
        || uri.getRawUserInfo() != null || uri.getRawQuery() != null
        || uri.getRawFragment() != null || uri.getRawPath() == null) {
      return null;
    }
    String path = uri.getRawPath();
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String[] parts = path.split("/", -1);
    if (parts.length < 3 || parts.length > 4 || !parts[0].isEmpty() || !parts[1].equals("keys")
        || !NAME.matcher(parts[2]).matches()
        || (parts.length == 4 && !VERSION.matcher(parts[3]).matches())) {
      return null;
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    int port = uri.getPort();
    String authority = port < 0 || port == 443 ? host : host + ":" + port;
    return new AzureKeyUrl(host, authority, parts[2], parts.length == 4 ? parts[3] : null);
  }

  /** The same key, any version. */
  boolean sameKey(AzureKeyUrl other) {
    return authority.equals(other.authority) && name.equals(other.name);
  }

  AzureKeyUrl withVersion(String v) {
    return new AzureKeyUrl(host, authority, name, v);
  }

  AzureKeyUrl versionless() {
    return version == null ? this : new AzureKeyUrl(host, authority, name, null);
  }

  /** The canonical URL: {@code https://host[:port]/keys/name[/version]}. */
  @Override
  public String toString() {
    return "https://" + authority + "/keys/" + name + (version == null ? "" : "/" + version);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AzureKeyUrl && o.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }
}
