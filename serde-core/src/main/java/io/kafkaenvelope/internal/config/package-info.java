/**
 * Settings tooling: {@code ConfigDocs} renders ConfigDefs as the generated Markdown reference
 * (every module's drift test uses it), and the checks on the settings as a whole that no single
 * {@code ConfigDef} can make: which {@code envelope.*} names are unknown (typos in optional
 * settings would otherwise be silently ignored, and Kafka's own "supplied but not used" warning
 * lists every envelope setting anyway). Internal: may change in any release.
 */
package io.kafkaenvelope.internal.config;
