/**
 * The AWS KMS backend ({@code envelope.kms.type=aws-kms}), found through
 * {@code META-INF/services/io.kafkaenvelope.kms.KmsProvider}. The API is {@link
 * io.kafkaenvelope.kms.aws.AwsKmsProvider} (the {@code KmsProvider} serde-core loads) and {@link
 * io.kafkaenvelope.kms.aws.AwsKmsConfig} (the settings and their {@code ConfigDef}); applications
 * configure it through properties and never call it directly. Everything else is internal:
 * {@code AwsClients} builds the AWS SDK v2 clients (credentials, assumed role, region, endpoint,
 * timeouts, retries, HTTP client), {@code AwsKms} performs {@code GenerateDataKey} and
 * {@code Decrypt} and maps AWS errors to {@code KmsException} reasons, and {@code AwsKekId} parses
 * key ids, aliases and ARNs for the consumer-side KEK matching.
 */
package io.kafkaenvelope.kms.aws;
