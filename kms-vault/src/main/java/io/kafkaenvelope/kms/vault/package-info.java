/**
 * The HashiCorp Vault Transit backend ({@code envelope.kms.type=vault-transit}), found through
 * {@code META-INF/services/io.kafkaenvelope.kms.KmsProvider}. The API is {@link
 * io.kafkaenvelope.kms.vault.VaultTransitProvider} (the {@code KmsProvider} serde-core loads) and
 * {@link io.kafkaenvelope.kms.vault.VaultTransitConfig} (the settings and their {@code
 * ConfigDef}); applications configure it through properties and never call it directly.
 * Everything else is internal: {@code VaultHttp} is the JDK HTTP client with Vault's error
 * handling, {@code VaultAuth} logs in and renews tokens, {@code PemTls} builds the TLS context from
 * PEM files, and {@code VaultTransitKms} performs the Transit datakey and decrypt calls.
 */
package io.kafkaenvelope.kms.vault;
