/**
 * The KMS service-provider interface: a {@link io.kafkaenvelope.kms.KmsProvider} found with
 * {@link java.util.ServiceLoader} by {@code envelope.kms.type} creates a
 * {@link io.kafkaenvelope.kms.KeyManagementService} that makes and unwraps data keys under KEKs
 * that never leave the KMS, reports failures as a typed {@link io.kafkaenvelope.kms.KmsException},
 * and decides from strings alone which KEK ids name the same key. Implement these to add a KMS.
 */
package io.kafkaenvelope.kms;
