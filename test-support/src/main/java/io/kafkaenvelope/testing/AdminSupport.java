package io.kafkaenvelope.testing;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/** The admin client and topic creation every {@link KafkaBroker} shares. */
abstract class AdminSupport implements KafkaBroker {

  /** The shared admin client's id, so the leak check of {@link KafkaExtension} can tell it. */
  static final String ADMIN_CLIENT_ID = "kafka-envelope-shared-admin";

  private Admin admin;

  @Override
  public synchronized Admin admin() {
    if (admin == null) {
      Properties p = new Properties();
      p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
      p.put(AdminClientConfig.CLIENT_ID_CONFIG, ADMIN_CLIENT_ID);
      admin = Admin.create(p);
    }
    return admin;
  }

  /**
   * Creates the topic and returns once every partition accepts requests (see
   * {@link #awaitWritable}). The controller acknowledges creation before the broker has applied
   * it, and a producer that sends into that gap can get NOT_LEADER_OR_FOLLOWER and then, on a
   * loaded machine, an idempotent producer was seen stuck on OUT_OF_ORDER_SEQUENCE_NUMBER for
   * good.
   */
  @Override
  public void createTopic(String name, int partitions) {
    try {
      admin().createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("could not create topic " + name, e.getCause());
      }
    } catch (Exception e) {
      throw new IllegalStateException("could not create topic " + name, e);
    }
    awaitWritable(List.of(name));
  }

  /**
   * Returns once every topic, the internal offsets and transaction topics included, accepts
   * requests again: after a restart the broker answers before it leads its partitions again, and
   * a client that sends into that gap retries, an idempotent producer sometimes until its delivery
   * timeout.
   */
  protected void awaitAllTopicsWritable() {
    Set<String> topics;
    try {
      topics = admin().listTopics(new ListTopicsOptions().listInternal(true)).names()
          .get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not list topics after a restart", e);
    }
    awaitWritable(topics);
  }

  /**
   * Waits (30 s at most) until each partition of {@code topics} has a leader in the broker's
   * metadata <em>and</em> that leader answers ListOffsets for it. Metadata shows the leader
   * before the broker's replica manager has made the partition: ListOffsets is answered by the
   * replica manager itself, so a partition that answers it also takes produce requests.
   */
  private void awaitWritable(Collection<String> topics) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Exception last = null;
    while (true) {
      try {
        Map<String, TopicDescription> d = admin().describeTopics(topics).allTopicNames()
            .get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        boolean leaders = true;
        for (TopicDescription t : d.values()) {
          for (TopicPartitionInfo p : t.partitions()) {
            leaders &= p.leader() != null && !p.leader().isEmpty();
            partitions.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest());
          }
        }
        if (leaders) {
          admin().listOffsets(partitions).all().get(10, TimeUnit.SECONDS);
          return;
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException)) {
          throw new IllegalStateException("topics " + topics + " are not usable", e.getCause());
        }
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for topics " + topics, e);
      } catch (Exception e) {
        last = e; // a 10 s timeout of one attempt: try again until the deadline
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topics " + topics + " not writable after 30 s", last);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for topics " + topics, e);
      }
    }
  }

  /** Closes the admin client, if one was made; brokers call this first in {@code close()}. */
  protected synchronized void closeAdmin() {
    if (admin != null) {
      admin.close();
      admin = null;
    }
  }
}
