package io.kafkaenvelope.internal.kek;

import io.kafkaenvelope.kms.KeyManagementService;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.header.Headers;

/**
 * Which KEKs a reader accepts for a topic. Decrypting proves only that a record was made with a
 * data key the KMS would unwrap for us, so without this check anyone who may write to a topic and
 * holds <em>some</em> KEK we can unwrap (another topic's producer, another account's key that lets
 * anyone decrypt) could forge records in it. The AWS Encryption SDK's strict mode is the model:
 * decrypt only under the keys configured, and only by explicit choice under any key ("discovery").
 *
 * <p>Built from {@code envelope.kek.id} or {@code envelope.kek.id.template},
 * {@code envelope.kek.allowed.ids} and {@code envelope.kek.discovery}. A record is checked
 * before any KMS call or cache lookup, from its envelope header's KEK id
 * and the topic it was produced to. That is sound because every KMS pins the KEK on unwrap
 * ({@link KeyManagementService#unwrap}): a header cannot name an accepted KEK while its data key
 * was wrapped by another. KEK ids are compared by the KMS ({@link KeyManagementService#sameKek}),
 * which knows which spellings name the same key.
 *
 * <p>A template may read a record header ({@code ${header:tenant}}): a record is then accepted
 * under the KEK its own header names, and a record without the header (or with a value that may
 * not be part of a KEK id) fails closed with {@link KekHeaderException}. Headers are not
 * authenticated, but the KEK id in the envelope is: a writer who relabels a record with another
 * tenant's header makes it name a KEK its envelope was not made under, and it is refused.
 *
 * <p>Internal API.
 */
public final class KekPolicy {

  private final List<String> exact;
  private final List<KekSelector> templates;
  private final boolean discovery;
  private final KeyManagementService kms;
  /** Asked for every record (the deserializer's fast path): computed once, not streamed. */
  private final boolean usesHeaders;

  private KekPolicy(List<String> exact, List<String> templates, boolean discovery,
      KeyManagementService kms) {
    this.exact = List.copyOf(exact);
    this.templates = templates.stream().map(KekSelector::template).toList();
    this.usesHeaders = this.templates.stream().anyMatch(KekSelector::usesHeaders);
    this.discovery = discovery;
    this.kms = Objects.requireNonNull(kms, "kms");
  }

  /**
   * A policy accepting the ids and templates given, or any KEK under discovery.
   *
   * @param expectedIds the producer-side KEK ids and templates (may be empty)
   * @param allowedIds further ids and templates ({@code ${topic}} or {@code ${header:NAME}} marks
   *     a template)
   */
  public static KekPolicy of(List<String> expectedIds, List<String> allowedIds, boolean discovery,
      KeyManagementService kms) {
    List<String> exact = new ArrayList<>();
    List<String> templates = new ArrayList<>();
    for (List<String> ids : List.of(expectedIds, allowedIds)) {
      for (String id : ids) {
        (KekSelector.isTemplate(id) ? templates : exact).add(id);
      }
    }
    return new KekPolicy(exact, templates, discovery, kms);
  }

  /** Whether the policy accepts no KEK at all (a reader configured without one). */
  public boolean isEmpty() {
    return exact.isEmpty() && templates.isEmpty() && !discovery;
  }

  public boolean discovery() {
    return discovery;
  }

  /** Whether some template reads a record header, so {@link #allows} needs the headers. */
  public boolean usesHeaders() {
    return usesHeaders;
  }

  /**
   * Whether a record produced to {@code producedTo} whose envelope names {@code kekId} may be
   * unwrapped, for policies whose templates read no header. Makes no KMS call.
   */
  public boolean allows(String producedTo, String kekId) {
    return allows(producedTo, null, kekId);
  }

  /**
   * Whether a record produced to {@code producedTo} with {@code headers} ({@code null}: none)
   * whose envelope names {@code kekId} may be unwrapped. Makes no KMS call.
   *
   * @throws KekHeaderException if no id matched and a template's header is missing or invalid
   *     (unless discovery admits the KEK)
   */
  public boolean allows(String producedTo, Headers headers, String kekId) {
    for (String id : exact) {
      if (kms.sameKek(id, kekId)) {
        return true;
      }
    }
    KekHeaderException headerFailure = null;
    for (KekSelector template : templates) {
      String expected;
      try {
        expected = template.kekFor(producedTo, headers);
      } catch (KekHeaderException e) {
        headerFailure = headerFailure == null ? e : headerFailure;
        continue;
      }
      if (kms.sameKek(expected, kekId)) {
        return true;
      }
    }
    if (discovery && kms.discoveryAllows(kekId)) {
      return true;
    }
    if (headerFailure != null) {
      throw headerFailure;
    }
    return false;
  }

  /** What the policy accepts for {@code producedTo}, for error messages. */
  public String describe(String producedTo) {
    List<String> ids = new ArrayList<>(exact);
    for (KekSelector template : templates) {
      ids.add(template.kekFor(producedTo));
    }
    return discovery ? ids + " or any KEK the KMS's discovery filter admits" : ids.toString();
  }
}
