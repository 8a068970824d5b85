/**
 * The Azure Key Vault / Managed HSM backend ({@code envelope.kms.type=azure-keyvault}), found
 * through {@code META-INF/services/io.kafkaenvelope.kms.KmsProvider}. The API is {@link
 * io.kafkaenvelope.kms.azure.AzureKeyVaultProvider} (the {@code KmsProvider} serde-core loads) and
 * {@link io.kafkaenvelope.kms.azure.AzureKeyVaultConfig} (the settings and their
 * {@code ConfigDef}); applications configure it through properties and never call it directly.
 * Everything else is internal: {@code AzureClients} builds the Entra credential, the JDK HTTP
 * client and one {@code CryptographyClient} per key URL, {@code AzureRetry} bounds retries,
 * {@code AzureKeyVaultKms} performs {@code wrapKey}, {@code sign} (the writer signature of RSA
 * keys) and {@code unwrapKey} and maps Key Vault errors to {@code KmsException} reasons,
 * {@code AzureSignatureVerifier} checks writer signatures with each key version's public key
 * before an unwrap, {@code AzureWrappedKey} is the wrapped-DEK format with its context digest
 * and signature, and {@code AzureKeyUrl} parses key URLs for the consumer KEK matching.
 */
package io.kafkaenvelope.kms.azure;
