/**
 * JSON through Jackson: {@link io.kafkaenvelope.json.JsonSerializer}, {@link
 * io.kafkaenvelope.json.JsonDeserializer} and {@link io.kafkaenvelope.json.JsonSerde} map POJOs or
 * trees to JSON bytes, and {@code EncryptingJsonSerializer}, {@code DecryptingJsonDeserializer} and
 * {@code EncryptingJsonSerde} are the serde-core envelope serdes with these as their default inner
 * serdes, so one class name in the client configuration does both. {@link
 * io.kafkaenvelope.json.JsonSerdeConfig} holds the Jackson settings. Every class here is API (a
 * Jackson {@code ObjectMapper} of the application's own can be passed in). Field-level encryption
 * ({@code envelope.mode=field}) lives in {@code io.kafkaenvelope.json.internal}, which is not API.
 */
package io.kafkaenvelope.json;
