package io.kafkaenvelope.internal.kek;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Chooses the KEK for a topic: one fixed id for every topic, or a template such as
 * {@code alias/kafka-${topic}} that gives each topic its own KEK. A template may also take the
 * value of a record header, {@code ${header:tenant}}, so each tenant's records are wrapped under
 * that tenant's own KEK (disabling it makes exactly those records unreadable: crypto-shredding).
 * Whether the chosen KEK exists is the KMS's answer; what happens when it does not is the
 * unresolved-KEK policy.
 *
 * <p>Each placeholder has a second, bare spelling that means exactly the same: {@code {topic}} and
 * {@code {header:NAME}}, without the dollar sign. Frameworks rewrite {@code ${...}} before we see
 * it (Spring's property placeholders, Kafka's config providers, shells and {@code envsubst}):
 * an environment variable {@code TOPIC} turned {@code ${topic}} into its value in a Spring Boot
 * application. None of them touches a brace without a dollar (or a hash, SpEL's {@code #{...}}),
 * and AWS, Google Cloud and Azure key names allow no braces, so the bare form is not part of a
 * real KEK id there. The two spellings may be mixed in one template.
 *
 * <p>A header value becomes part of a KEK id, so it is validated first ({@link #HEADER_VALUE}):
 * a value like {@code ../x} could otherwise name a file outside the local KMS's directory or
 * another KMS's key path. A record without the header, or with an invalid value, fails closed
 * with {@link KekHeaderException} before any KMS call.
 */
public final class KekSelector {

  /** The placeholder a KEK template replaces with the topic name. */
  public static final String TOPIC_PLACEHOLDER = "${topic}";
  /** How a placeholder for a record header's value starts: {@code ${header:NAME}}. */
  public static final String HEADER_PLACEHOLDER_START = "${header:";
  /** The bare spelling of {@link #TOPIC_PLACEHOLDER}, which no framework rewrites. */
  public static final String BARE_TOPIC_PLACEHOLDER = "{topic}";
  /** The bare spelling of {@link #HEADER_PLACEHOLDER_START}: {@code {header:NAME}}. */
  public static final String BARE_HEADER_PLACEHOLDER_START = "{header:";
  /**
   * What a header value must look like to become part of a KEK id: 1 to 64 ASCII letters, digits,
   * {@code _} and {@code -}, starting with a letter or digit. No dots, slashes or colons, so no
   * value can climb out of a directory or change a key path's structure.
   */
  public static final Pattern HEADER_VALUE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

  /**
   * Either spelling of either placeholder. The optional {@code $} is tried first at each position,
   * so {@code ${topic}} is one placeholder, never a {@code $} followed by {@code {topic}}.
   */
  private static final Pattern PLACEHOLDER =
      Pattern.compile("\\$?\\{topic}|\\$?\\{header:([^}{$]*)}");
  /**
   * The start of a placeholder, closed or not: what remains of it in a template's literal text
   * after the placeholders are taken out is a placeholder left open (a header placeholder or a
   * topic placeholder without its closing brace), which would otherwise become a literal part of
   * every KEK id.
   */
  private static final Pattern OPENING = Pattern.compile("\\$?\\{(?:topic|header:)");

  /**
   * A template's parts: literal text, {@code null} for the topic, or a header name; {@code text}
   * is the placeholder as written (for {@link #kekFor(String)}'s messages).
   */
  private record Part(String literal, String header, String text) {}

  private final String fixed;
  private final String template;
  private final List<Part> parts;
  private final List<String> headerNames;

  private KekSelector(String fixed, String template, List<Part> parts) {
    this.fixed = fixed;
    this.template = template;
    this.parts = parts;
    List<String> names = new ArrayList<>();
    for (Part p : parts) {
      if (p.header() != null && !names.contains(p.header())) {
        names.add(p.header());
      }
    }
    this.headerNames = List.copyOf(names);
  }

  /** Every topic uses {@code kekId}. */
  public static KekSelector fixed(String kekId) {
    return new KekSelector(Objects.requireNonNull(kekId, "kekId"), null, List.of());
  }

  /**
   * Each record uses {@code template} with {@code ${topic}} (or {@code {topic}}) replaced by the
   * topic name and each {@code ${header:NAME}} (or {@code {header:NAME}}) by the value of the
   * record's header {@code NAME}.
   *
   * @throws IllegalArgumentException if the template has no placeholder or an empty header name
   */
  public static KekSelector template(String template) {
    if (!isTemplate(template)) {
      throw new IllegalArgumentException("KEK template must contain " + TOPIC_PLACEHOLDER
          + " or " + HEADER_PLACEHOLDER_START + "NAME} (or their bare spellings "
          + BARE_TOPIC_PLACEHOLDER + ", " + BARE_HEADER_PLACEHOLDER_START + "NAME})");
    }
    List<Part> parts = new ArrayList<>();
    Matcher m = PLACEHOLDER.matcher(template);
    int at = 0;
    while (m.find()) {
      if (m.start() > at) {
        parts.add(new Part(template.substring(at, m.start()), null, null));
      }
      if (m.group(1) == null) {
        parts.add(new Part(null, null, m.group()));
      } else if (m.group(1).isBlank()) {
        throw new IllegalArgumentException("KEK template has an empty header name in "
            + m.group());
      } else {
        parts.add(new Part(null, m.group(1), m.group()));
      }
      at = m.end();
    }
    if (at < template.length()) {
      parts.add(new Part(template.substring(at), null, null));
    }
    for (Part p : parts) {
      Matcher open = p.literal() == null ? null : OPENING.matcher(p.literal());
      if (open != null && open.find()) {
        throw new IllegalArgumentException("KEK template has an unclosed placeholder '"
            + open.group() + "' in '" + p.literal() + "': write " + TOPIC_PLACEHOLDER + " or "
            + HEADER_PLACEHOLDER_START + "NAME} (or " + BARE_TOPIC_PLACEHOLDER + ", "
            + BARE_HEADER_PLACEHOLDER_START + "NAME}), closed by '}', with no brace or dollar in "
            + "the header name");
      }
    }
    return new KekSelector(null, template, List.copyOf(parts));
  }

  /**
   * Whether {@code id} contains a placeholder in either spelling, i.e. is a template rather than a
   * KEK id. ({@code ${topic}} contains {@code {topic}}, so the bare test covers both.)
   */
  public static boolean isTemplate(String id) {
    // "{topic" without its brace counts, so an unclosed placeholder is refused by template()
    // instead of being taken for a literal KEK id.
    return id.contains("{topic") || id.contains(BARE_HEADER_PLACEHOLDER_START);
  }

  /** Whether template {@code id} reads a record header, in either spelling. */
  public static boolean readsHeaders(String id) {
    return id.contains(BARE_HEADER_PLACEHOLDER_START);
  }

  /** Whether the KEK depends on record headers ({@code ${header:NAME}}). */
  public boolean usesHeaders() {
    return !headerNames.isEmpty();
  }

  /** The headers the template reads, in order of first use. */
  public List<String> headerNames() {
    return headerNames;
  }

  /**
   * The KEK id for {@code topic} when it depends on no header. For a template with
   * {@code ${header:NAME}} placeholders this leaves them in place: such a string names no KEK and
   * serves error messages only; use {@link #kekFor(String, Headers)}.
   */
  public String kekFor(String topic) {
    if (fixed != null) {
      return fixed;
    }
    StringBuilder sb = new StringBuilder(template.length() + 32);
    for (Part p : parts) {
      sb.append(p.literal() != null ? p.literal() : p.header() == null ? topic : p.text());
    }
    return sb.toString();
  }

  /**
   * The KEK id for a record of {@code topic} with {@code headers} ({@code null}: none).
   *
   * @throws KekHeaderException if a header the template reads is missing or its value is not a
   *     valid KEK id part
   */
  public String kekFor(String topic, Headers headers) {
    if (fixed != null) {
      return fixed;
    }
    StringBuilder sb = new StringBuilder(template.length() + 32);
    for (Part p : parts) {
      if (p.literal() != null) {
        sb.append(p.literal());
      } else if (p.header() == null) {
        sb.append(topic);
      } else {
        sb.append(headerValue(headers, p.header()));
      }
    }
    return sb.toString();
  }

  /**
   * The validated value of header {@code name}: its last occurrence, strict UTF-8, matching
   * {@link #HEADER_VALUE}. The message never quotes the value (anyone who may write to the topic
   * chooses it).
   */
  static String headerValue(Headers headers, String name) {
    Header h = headers == null ? null : headers.lastHeader(name);
    if (h == null || h.value() == null) {
      throw new KekHeaderException(name, "the record has no '" + name + "' header"
          + (headers == null ? " (it was serialized without headers)" : ""));
    }
    String value;
    try {
      value = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(h.value())).toString();
    } catch (CharacterCodingException e) {
      throw new KekHeaderException(name, "the '" + name + "' header is not valid UTF-8");
    }
    if (!HEADER_VALUE.matcher(value).matches()) {
      throw new KekHeaderException(name, "the '" + name + "' header's value ("
          + h.value().length + " bytes) is not a valid KEK id part: it must match "
          + HEADER_VALUE.pattern());
    }
    return value;
  }

  @Override
  public String toString() {
    return fixed != null ? "KekSelector{fixed=" + fixed + "}" : "KekSelector{template="
        + template + "}";
  }
}
