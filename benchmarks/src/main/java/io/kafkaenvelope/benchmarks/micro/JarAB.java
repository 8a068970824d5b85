package io.kafkaenvelope.benchmarks.micro;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Two builds of this benchmarks jar (say, before and after a refactor) in ONE JVM, each in its own
 * class loader, timed in alternating batches of about 100 ms (A B, B A, A B, ...): the ratio of
 * each adjacent pair sees the same JIT, heap and machine load, so it holds on a busy 2-core VM
 * where two JMH runs minutes apart differ by 20% or more. Time is the thread's CPU time
 * ({@code ThreadMXBean.getCurrentThreadCpuTime}), not wall time: a batch descheduled by other
 * processes on a loaded machine is not charged for the wait. Each side runs its own
 * {@code SerializeBenchmark.envelope} / {@code DeserializeBenchmark.envelope} with that build's own
 * set-up; bytes allocated per operation come from the thread's allocation counter (what JMH's
 * {@code -prof gc} reports as {@code gc.alloc.rate.norm}).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.kafkaenvelope.benchmarks.micro.JarAB \
 *     old-benchmarks.jar benchmarks/target/benchmarks.jar [rounds=40] [sizes=64,1024]
 * </pre>
 *
 * <p>Prints one line per benchmark and size: the median and quartiles of time(A)/time(B) over the
 * rounds (above 1: B is faster), each side's median ns/op and B/op.
 */
public final class JarAB {

  private static final String PACKAGE = "io.kafkaenvelope.benchmarks.micro.";
  private static final long BATCH_NANOS = 100_000_000L;
  private static final int WARMUP_ROUNDS = 30;

  private static volatile long sink;

  private JarAB() {}

  public static void main(String[] args) throws Throwable {
    if (args.length < 2) {
      System.err.println("usage: JarAB <a.jar> <b.jar> [rounds] [sizes, e.g. 64,1024]");
      System.exit(2);
    }
    Path a = Path.of(args[0]);
    Path b = Path.of(args[1]);
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 40;
    int[] sizes = args.length > 3
        ? Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray()
        : new int[] {64, 1024};
    System.out.printf("A=%s%nB=%s%nrounds=%d, batches of ~%d ms, load %s%n", a, b, rounds,
        BATCH_NANOS / 1_000_000, loadAverage());
    for (String bench : List.of("SerializeBenchmark", "DeserializeBenchmark")) {
      for (int size : sizes) {
        compare(bench, size, op(a, bench, size), op(b, bench, size), rounds);
      }
    }
    System.out.printf("load at the end %s%n", loadAverage());
  }

  private static void compare(String bench, int size, MethodHandle a, MethodHandle b,
      int rounds) throws Throwable {
    long n = warmUp(a, WARMUP_ROUNDS, warm -> {
      batch(a, warm);
      batch(b, warm);
    });
    double[] ratio = new double[rounds];
    double[] nsA = new double[rounds];
    double[] nsB = new double[rounds];
    double[] bytesA = new double[rounds];
    double[] bytesB = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      double[] ra;
      double[] rb;
      if (r % 2 == 0) {
        ra = batch(a, n);
        rb = batch(b, n);
      } else {
        rb = batch(b, n);
        ra = batch(a, n);
      }
      nsA[r] = ra[0];
      nsB[r] = rb[0];
      bytesA[r] = ra[1];
      bytesB[r] = rb[1];
      ratio[r] = ra[0] / rb[0];
    }
    Arrays.sort(ratio);
    System.out.printf("%s size=%d: CPU time A/B median %.3f (quartiles %.3f..%.3f, %d rounds"
            + " of %d ops);"
            + " A %.0f ns/op %.0f B/op; B %.0f ns/op %.0f B/op%n",
        bench.replace("Benchmark", ""), size, median(ratio), ratio[rounds / 4],
        ratio[(3 * rounds) / 4], rounds, n, median(nsA), median(bytesA), median(nsB),
        median(bytesB));
  }

  /** {CPU ns/op, bytes allocated/op} over {@code n} calls. */
  static double[] batch(MethodHandle op, long n) throws Throwable {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long bytes0 = threads.getCurrentThreadAllocatedBytes();
    long t0 = threads.getCurrentThreadCpuTime();
    long acc = 0;
    for (long i = 0; i < n; i++) {
      Object out = (Object) op.invokeExact();
      // a serializer's bytes, or a deserializer's record (kept live all the same)
      acc += out instanceof byte[] b ? b.length : out == null ? 0 : 1;
    }
    long t1 = threads.getCurrentThreadCpuTime();
    long bytes1 = threads.getCurrentThreadAllocatedBytes();
    sink = acc;
    return new double[] {(t1 - t0) / (double) n, (bytes1 - bytes0) / (double) n};
  }

  /** One warm-up round of every contender, {@code n} operations each. */
  interface Round {
    void run(long n) throws Throwable;
  }

  /**
   * Warm-up rounds until the JIT is done, and the batch size for {@code first}: {@code rounds}
   * rounds, then again while calibrating {@code first} still finds it more than 15% faster than
   * before (at most 8 times). On a loaded machine the compiler threads get little CPU, and a fixed
   * number of rounds left AES-GCM interpreted (~7 us per 1 KiB instead of ~0.6) for the first
   * measured rounds, which diluted every ratio towards 1.
   */
  static long warmUp(MethodHandle first, int rounds, Round round) throws Throwable {
    long n = calibrate(first);
    for (int pass = 0; pass < 8; pass++) {
      for (int r = 0; r < rounds; r++) {
        round.run(n);
      }
      long again = calibrate(first);
      if (again <= n + n * 15 / 100) {
        return Math.max(n, again);
      }
      n = again;
    }
    return n;
  }

  static long calibrate(MethodHandle op) throws Throwable {
    long n = 1_000;
    while (true) {
      long took = (long) (batch(op, n)[0] * n);
      if (took >= BATCH_NANOS / 4) {
        return Math.max(1, n * BATCH_NANOS / took);
      }
      n *= 4;
    }
  }

  /**
   * That build's {@code envelope} benchmark method bound to its own set-up state, as a handle
   * {@code () -> Object}. The jar gets a class loader of its own under the platform loader, so
   * nothing (kafka-clients, serde-core, Tink) is shared between the two sides.
   */
  private static MethodHandle op(Path jar, String bench, int size) throws Exception {
    URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
        ClassLoader.getPlatformClassLoader());
    return bind(loader, bench, "envelope", java.util.Map.of("size", Integer.toString(size)));
  }

  /**
   * {@code bench.method} of the jar behind {@code loader}, bound to a {@code Shared} state whose
   * public {@code @Param} fields are set from {@code params} (others keep their defaults) and set
   * up, as a handle {@code () -> Object}.
   */
  static MethodHandle bind(ClassLoader loader, String bench, String methodName,
      java.util.Map<String, String> params) throws Exception {
    Class<?> benchClass = loader.loadClass(PACKAGE + bench);
    Class<?> shared = loader.loadClass(PACKAGE + bench + "$Shared");
    Object state = shared.getConstructor().newInstance();
    for (java.util.Map.Entry<String, String> p : params.entrySet()) {
      java.lang.reflect.Field f = shared.getField(p.getKey());
      if (f.getType() == int.class) {
        f.setInt(state, Integer.parseInt(p.getValue()));
      } else {
        f.set(state, p.getValue());
      }
    }
    // ServiceLoader (the KMS providers) and Kafka's class-name configs look at the context loader
    Thread self = Thread.currentThread();
    ClassLoader previous = self.getContextClassLoader();
    self.setContextClassLoader(loader);
    try {
      shared.getMethod("setUp").invoke(state);
    } finally {
      self.setContextClassLoader(previous);
    }
    Method method = Arrays.stream(benchClass.getMethods())
        .filter(m -> m.getName().equals(methodName)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(bench + "." + methodName + " not found"));
    List<Object> args = new ArrayList<>();
    for (Class<?> p : method.getParameterTypes()) {
      args.add(p == shared ? state : p.getConstructor().newInstance());
    }
    MethodHandle h = MethodHandles.publicLookup().unreflect(method)
        .bindTo(benchClass.getConstructor().newInstance());
    return MethodHandles.insertArguments(h, 0, args.toArray())
        .asType(MethodType.methodType(Object.class));
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int m = v.length / 2;
    return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  }

  static String loadAverage() {
    return String.format("%.2f", ManagementFactory.getOperatingSystemMXBean()
        .getSystemLoadAverage());
  }
}
