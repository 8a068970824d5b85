/**
 * The settings: {@link io.kafkaenvelope.config.EnvelopeConfig} defines every {@code envelope.*}
 * key with its documentation (the generated configuration reference) and typed getters; lower
 * layers receive values, never the configuration. (The Markdown reference is rendered by
 * {@code io.kafkaenvelope.internal.config.ConfigDocs}, for the build's documentation checks.)
 */
package io.kafkaenvelope.config;
