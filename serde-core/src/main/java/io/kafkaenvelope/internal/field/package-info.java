/**
 * Field-level encryption ({@code envelope.mode=field}): the contract between serde-core, which
 * owns keys, headers and the wire format, and the record formats (serde-avro, serde-json), which
 * own walking a record and encoding one field. Internal: not a public API, may change in any
 * release.
 *
 * <h2>How a record goes through</h2>
 *
 * <p>Producer: {@code EncryptingSerializer} (constructed by a format module with its {@link
 * FieldFormat}) opens a {@link FieldSealer} for the record; {@link FieldFormat#seal} walks the
 * record, asks {@link FieldSealer#select} for every field it meets, encodes each selected field
 * in the format's own encoding and replaces it with the array {@link FieldSealer#seal} returns;
 * then the sealer encrypts, per KEK used by the record, all of that KEK's random fields with one
 * AES-GCM call (writing each array's content and the header's tag); the inner serializer writes
 * the returned object; only then the sealer writes one envelope header per KEK (not per field)
 * into the record headers. No whole-record encryption happens.
 *
 * <p>Consumer: {@code DecryptingDeserializer} needs no setting to tell the modes apart: a record
 * envelope (inline magic or the {@code kafka-envelope.value}/{@code .key} header) means record
 * mode as before; field headers mean field mode: the inner deserializer decodes the bytes, then
 * {@link FieldFormat#open} finds every path {@link FieldOpener#sealedPaths} lists, hands them all
 * to one {@link FieldOpener#open} call (one AES-GCM check per header covers its path list and
 * all its random fields) and replaces each ciphertext with the decoded field; neither means a
 * record without an envelope ({@code envelope.plaintext.policy}).
 *
 * <h2>Paths</h2>
 *
 * <p>A <em>pattern</em> names fields in configuration and in {@link FieldSealer#select}: field
 * names joined by {@code .}, where {@code []} after a name stands for every element of an array
 * and every value of a map: {@code customer.ssn}, {@code lines[].address}, {@code
 * attributes[]}. Unions and nullable types are transparent ({@code customer.ssn} also when
 * {@code customer} is {@code ["null", Customer]}). A <em>concrete path</em> names one occurrence
 * in one record: indices and map keys filled in, map keys as JSON strings: {@code
 * lines[2].address}, {@code attributes["colour"]}. Associated data binds the concrete path, so a
 * ciphertext moved to another field, element or map entry fails.
 *
 * <h2>Selection and settings</h2>
 *
 * A field is encrypted when its pattern is listed in {@code envelope.fields}, or its schema
 * carries our annotation (Avro field property / JSON Schema keyword {@code
 * "kafka-envelope.encrypt": true}), or one of the tags named in {@code envelope.fields.tags}
 * (matched against Confluent's {@code confluent:tags} and our annotation's tag list). Per field:
 * {@code envelope.fields.kek.<tag or pattern>} (KEK id, default the record's KEK) and {@code
 * envelope.fields.mode.<tag or pattern>} ({@code random}, default, or {@code deterministic}).
 * Reader: {@code envelope.fields.unreadable} = {@code fail} (default), {@code null} or {@code
 * keep} for a field whose KEK this reader may not use. {@link FieldSettings} parses and checks
 * these settings and answers {@link FieldSealer#select}; {@link FieldPaths} is the path syntax
 * (checking patterns, writing map keys and indices, a concrete path's pattern).
 */
package io.kafkaenvelope.internal.field;
