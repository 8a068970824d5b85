/**
 * Test-only helpers shared by every module's tests; never a runtime dependency (this artifact also
 * registers the in-memory KMS, which production classpaths must not see). The API used by tests:
 * {@link io.kafkaenvelope.testing.KafkaExtension} and {@link io.kafkaenvelope.testing.KafkaBroker}
 * (a real KRaft broker, embedded, forked in a child JVM or in a container), {@link
 * io.kafkaenvelope.testing.TestClients} and {@link io.kafkaenvelope.testing.EnvelopeFixtures}
 * (client configurations, draining, byte searches, in-memory envelope settings), {@link
 * io.kafkaenvelope.testing.CapturingAppender} and {@link io.kafkaenvelope.testing.LogScan} (no key
 * or plaintext in logs), {@link io.kafkaenvelope.testing.FakeApicurioRegistry} and {@link
 * io.kafkaenvelope.testing.ConfigReference} (the generated docs/config check), {@link
 * io.kafkaenvelope.testing.KmsScenarios} (the broker scenarios every KMS module runs against its
 * fake) and {@link io.kafkaenvelope.testing.MonitorableScenario} (the KIP-877 serdes'). {@code
 * AdminSupport}, {@code ContainerKafkaBroker} and {@code ForkedKafkaBroker} are internal; {@link
 * io.kafkaenvelope.testing.BrokerMain} is public only as the forked broker's entry point.
 */
package io.kafkaenvelope.testing;
