/**
 * The Google Cloud KMS backend ({@code envelope.kms.type=gcp-kms}), found through
 * {@code META-INF/services/io.kafkaenvelope.kms.KmsProvider}. The API is {@link
 * io.kafkaenvelope.kms.gcp.GcpKmsProvider} (the {@code KmsProvider} serde-core loads) and {@link
 * io.kafkaenvelope.kms.gcp.GcpKmsConfig} (the settings and their {@code ConfigDef}); applications
 * configure it through properties and never call it directly. Everything else is internal:
 * {@code GcpClients} builds Google's gRPC client (credentials, endpoint, TLS, deadlines, retries),
 * {@code GcpKms} wraps locally generated DEKs with {@code Encrypt}, unwraps them with
 * {@code Decrypt}, checks the CRC32C integrity fields and maps gRPC status codes to
 * {@code KmsException} reasons, and {@code GcpKekName} parses CryptoKey resource names for the
 * consumer-side KEK matching.
 */
package io.kafkaenvelope.kms.gcp;
