package io.kafkaenvelope.internal.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Codecs are shared by every serializer and deserializer of the JVM (zstd through a pool of native
 * contexts, gzip through per-thread compressors): many threads at once must each get their own
 * bytes back, and a context that met corrupt input must not spoil later calls.
 */
class CodecConcurrencyTest {

  private static byte[] record(int i) {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < 900 + i % 200) {
      sb.append("{\"order\":").append(i).append(",\"customer\":\"c-").append(i * 31 % 977)
          .append("\",\"total\":").append(i % 1000).append('}');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] roundTrip(Codec codec, byte[] in) {
    byte[] packed = new byte[in.length + 64];
    int n = codec.compress(in, 0, in.length, packed, 0);
    assertTrue(n > 0 && n < in.length, codec.name() + " compressed " + in.length + " to " + n);
    byte[] out = new byte[in.length];
    assertEquals(in.length, codec.decompress(packed, 0, n, out, 0, in.length));
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"gzip", "lz4", "zstd"})
  void manyThreadsAtOnceEachGetTheirOwnBytesBack(String name) throws Exception {
    Codec codec = Codecs.forId(Codecs.idOf(name));
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t * 10_000;
        results.add(pool.submit(() -> {
          for (int i = base; i < base + 500; i++) {
            byte[] in = record(i);
            assertArrayEquals(in, roundTrip(codec, in), name + " record " + i);
          }
          return 500;
        }));
      }
      int done = 0;
      for (Future<Integer> f : results) {
        done += f.get();
      }
      assertEquals(threads * 500, done);
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gzip", "lz4", "zstd"})
  void corruptInputFailsAndTheCodecStillWorksAfterwards(String name) {
    Codec codec = Codecs.forId(Codecs.idOf(name));
    byte[] in = record(7);
    byte[] packed = new byte[in.length + 64];
    int n = codec.compress(in, 0, in.length, packed, 0);
    byte[] corrupt = Arrays.copyOf(packed, n);
    for (int i = 0; i < corrupt.length; i += 3) {
      corrupt[i] ^= (byte) 0x5A;
    }
    for (int k = 0; k < 20; k++) { // more failures than the zstd pool holds
      assertThrows(CorruptDataException.class,
          () -> codec.decompress(corrupt, 0, corrupt.length, new byte[in.length], 0, in.length));
    }
    assertArrayEquals(in, roundTrip(codec, in));
    // output that does not fit: compress reports "not worth it" and stays usable
    assertEquals(-1, codec.compress(in, 0, in.length, new byte[8], 0));
    assertArrayEquals(in, roundTrip(codec, in));
  }
}
