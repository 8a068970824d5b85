package io.kafkaenvelope.testing;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** The admin client and topic creation every {@link KafkaBroker} shares. */
abstract class AdminSupport implements KafkaBroker {

  private Admin admin;

  @Override
  public synchronized Admin admin() {
    if (admin == null) {
      Properties p = new Properties();
      p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
      admin = Admin.create(p);
    }
    return admin;
  }

  /**
   * Creates the topic and returns once the broker itself reports a leader for every partition.
   * The controller acknowledges creation before the broker has applied it, and a producer that
   * sends into that gap can get NOT_LEADER_OR_FOLLOWER and then, on a loaded machine, an
   * idempotent producer was seen stuck on OUT_OF_ORDER_SEQUENCE_NUMBER for good.
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
    awaitLeaders(name);
  }

  private void awaitLeaders(String name) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        TopicDescription d = admin().describeTopics(List.of(name)).allTopicNames()
            .get(10, TimeUnit.SECONDS).get(name);
        if (d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
          return;
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw new IllegalStateException("could not describe topic " + name, e.getCause());
        }
      } catch (Exception e) {
        throw new IllegalStateException("could not describe topic " + name, e);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topic " + name + " has no leader after 30 s");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for topic " + name, e);
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
