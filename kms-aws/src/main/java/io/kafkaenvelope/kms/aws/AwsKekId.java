package io.kafkaenvelope.kms.aws;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An AWS KMS key identifier as a producer may name it, parsed from the string alone: a key id
 * ({@code 1234abcd-...} or a multi-Region {@code mrk-...}), a key ARN, an alias name
 * ({@code alias/orders}) or an alias ARN. A bare id or alias has no partition, region or account:
 * KMS resolves it in the caller's own account and the client's region.
 */
final class AwsKekId {

  enum Kind { KEY, ALIAS }

  private static final Pattern ARN = Pattern.compile(
      "arn:(aws|aws-[a-z]+(?:-[a-z]+)*):kms:([a-z]{2}(?:-[a-z]+)+-\\d+):(\\d{12}):"
          + "(key|alias)/(.+)");
  private static final Pattern KEY_ID = Pattern.compile(
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}");
  private static final Pattern ALIAS_NAME = Pattern.compile("alias/[A-Za-z0-9/_-]+");

  final Kind kind;
  /** Key id (without {@code key/}) or alias name (with {@code alias/}). */
  final String name;
  /** Null for a bare id or alias. */
  final String partition;
  final String region;
  final String account;

  private AwsKekId(Kind kind, String name, String partition, String region, String account) {
    this.kind = kind;
    this.name = name;
    this.partition = partition;
    this.region = region;
    this.account = account;
  }

  /** Parses {@code id}, or returns null when it is none of the four forms. */
  static AwsKekId parse(String id) {
    if (id == null) {
      return null;
    }
    Matcher m = ARN.matcher(id);
    if (m.matches()) {
      boolean key = m.group(4).equals("key");
      String name = key ? m.group(5) : "alias/" + m.group(5);
      if (key ? !KEY_ID.matcher(name).matches() : !ALIAS_NAME.matcher(name).matches()) {
        return null;
      }
      return new AwsKekId(key ? Kind.KEY : Kind.ALIAS, name, m.group(1), m.group(2), m.group(3));
    }
    if (KEY_ID.matcher(id).matches()) {
      return new AwsKekId(Kind.KEY, id, null, null, null);
    }
    if (ALIAS_NAME.matcher(id).matches()) {
      return new AwsKekId(Kind.ALIAS, id, null, null, null);
    }
    return null;
  }

  boolean isArn() {
    return partition != null;
  }

  boolean isMultiRegionKey() {
    return kind == Kind.KEY && name.startsWith("mrk-");
  }

  /**
   * The partition of an AWS region by its documented naming, or null for a name this code does not
   * know (then nothing that needs the partition is treated as certain).
   */
  static String partitionOf(String region) {
    if (region == null) {
      return null;
    }
    if (region.startsWith("cn-")) {
      return "aws-cn";
    }
    if (region.startsWith("us-gov-")) {
      return "aws-us-gov";
    }
    if (region.startsWith("us-iso-")) {
      return "aws-iso";
    }
    if (region.startsWith("us-isob-")) {
      return "aws-iso-b";
    }
    if (region.startsWith("eu-isoe-")) {
      return "aws-iso-e";
    }
    if (region.startsWith("us-isof-")) {
      return "aws-iso-f";
    }
    if (region.matches("(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\\d+")) {
      return "aws";
    }
    return null;
  }
}
