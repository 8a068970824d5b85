package io.kafkaenvelope.benchmarks.e2e;

import com.fasterxml.jackson.databind.JsonNode;

/** Test access to the package-private CSV writer. */
public final class ProcessCpuBenchmarkAccess {

  private ProcessCpuBenchmarkAccess() {}

  public static String csv(JsonNode run) {
    return ProcessCpuBenchmark.csv(run);
  }
}
