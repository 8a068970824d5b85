package io.kafkaenvelope.fuzz;

import io.kafkaenvelope.internal.compress.Codec;
import io.kafkaenvelope.internal.compress.Codecs;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.FieldHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.Role;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes the checked-in seed corpus (src/test/resources/io/kafkaenvelope/fuzz/*Inputs): valid and
 * nearly valid inputs for every fuzz test, deterministic, one file per input named by its SHA-1
 * (as Jazzer names the inputs it finds). Run from serde-core after a format change:
 * {@code java -cp <test classpath> io.kafkaenvelope.fuzz.FuzzSeeds src/test/resources}.
 */
public final class FuzzSeeds {

  private static final HexFormat HEX = HexFormat.of();

  private FuzzSeeds() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0], "io", "kafkaenvelope", "fuzz");
    byte[] dekId = HEX.parseHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
    byte[] v1 = EnvelopeHeader.create(Role.VALUE, dekId, "orders", "projects/demo/kek-1", "3",
        HEX.parseHex("7772617070656420646174612d6b6579")).encodedUnsafe();
    byte[] v1key = EnvelopeHeader.create(Role.KEY, dekId, "store-changelog", "kek-1", null,
        new byte[] {1}).encodedUnsafe();
    byte[] v2 = EnvelopeHeader.create(Role.VALUE, dekId, "payments", "kek-1", "7",
        HEX.parseHex("0badc0de"), 5).encodedUnsafe();
    byte[] v3 = EnvelopeHeader.create(Role.VALUE, dekId, "orders", "kek-1", "2",
        HEX.parseHex("0badc0de"), 0, 1).encodedUnsafe();
    byte[] v3p = EnvelopeHeader.create(Role.KEY, dekId, "t", "k", null, new byte[] {0}, 4, 3)
        .encodedUnsafe();
    List<byte[]> headers = List.of(v1, v1key, v2, v3, v3p);
    for (byte[] h : headers) {
      write(root, "EnvelopeHeaderFuzzTestInputs/parse", h);
      write(root, "EnvelopeHeaderFuzzTestInputs/parse", Arrays.copyOf(h, h.length - 1));
    }
    byte[] badUtf8 = v1.clone();
    badUtf8[3 + 16 + 2] = (byte) 0xC3; // first topic byte: a lead byte without continuation
    write(root, "EnvelopeHeaderFuzzTestInputs/parse", badUtf8);

    byte[] nonce = HEX.parseHex("b0b1b2b3b4b5b6b7b8b9babb");
    byte[] f1 = FieldHeader.unsealed(FieldHeader.binding(Role.VALUE, 0, dekId, nonce, "orders",
        "kek-1", null, HEX.parseHex("0badc0de")), 1, List.of("customer.ssn", "lines[0].address"));
    byte[] f2 = FieldHeader.unsealed(FieldHeader.binding(Role.KEY, 1, dekId, nonce, "t", "k",
        "3", new byte[] {1}), 2, List.of());
    for (byte[] h : List.of(f1, f2)) {
      write(root, "FieldHeaderFuzzTestInputs/parse", h);
      write(root, "FieldHeaderFuzzTestInputs/parse", Arrays.copyOf(h, h.length - 1));
    }

    byte[] body = "hello, envelope".getBytes(StandardCharsets.UTF_8);
    for (byte[] h : headers) {
      byte[] frame = new byte[InlineFrame.prefixLength(h.length) + 12 + body.length + 16];
      InlineFrame.writePrefix(frame, h);
      write(root, "InlineFrameFuzzTestInputs/frame", frame);
      write(root, "DeserializerFuzzTestInputs/deserialize", cat(new byte[] {0}, frame));
      write(root, "DeserializerFuzzTestInputs/deserialize",
          cat(new byte[] {2, (byte) (h.length >> 8), (byte) h.length}, h, new byte[40]));
    }
    write(root, "InlineFrameFuzzTestInputs/frame", HEX.parseHex("fe4b4556ffff01"));
    write(root, "DeserializerFuzzTestInputs/deserialize", cat(new byte[] {8}, body));
    write(root, "DeserializerFuzzTestInputs/deserialize",
        cat(new byte[] {7, (byte) (v1key.length >> 8), (byte) v1key.length}, v1key, new byte[28]));

    byte[] json = ("{\"sku\":\"SKU-1\",\"status\":\"SHIPPED\"},{\"sku\":\"SKU-2\",\"status\":"
        + "\"SHIPPED\"}").getBytes(StandardCharsets.UTF_8);
    byte[] zeros = new byte[3000];
    for (String name : List.of("Gzip", "Lz4", "Zstd")) {
      Codec c = Codecs.forId(Codecs.idOf(name));
      for (byte[] plain : List.of(json, zeros, new byte[0])) {
        byte[] packed = compress(c, plain);
        write(root, name + "DecompressFuzzTestInputs/decompress",
            cat(u16(plain.length), packed));
        write(root, name + "DecompressFuzzTestInputs/decompress",
            cat(u16(Math.max(0, plain.length - 1)), packed)); // one byte more than stated
        // sealed record: flags 0, codec, no clear prefix, the record's own topic, u32 n | data
        write(root, "SealedRecordFuzzTestInputs/open",
            cat(new byte[] {0, c.id(), 0, 0}, u32(plain.length), packed));
        write(root, "SealedRecordFuzzTestInputs/open",
            cat(new byte[] {8, c.id(), 5, 1}, new byte[] {0, 0, 0, 0, 42}, u32(plain.length),
                packed)); // read from the mirror, with a clear prefix
      }
      write(root, "SealedRecordFuzzTestInputs/open",
          cat(new byte[] {0, c.id(), 0, 0}, u32(1 << 20), compress(c, zeros))); // over the limit
    }
    write(root, "SealedRecordFuzzTestInputs/open", cat(new byte[] {0, 0, 0, 0}, json));
    write(root, "SealedRecordFuzzTestInputs/open", cat(new byte[] {7, 0, 0, 0}, json));
    write(root, "SealedRecordFuzzTestInputs/open", cat(new byte[] {4, 0, 3, 0}, json));
    write(root, "SealedRecordFuzzTestInputs/open", cat(new byte[] {1, 0, 0, 2}, json));

    for (int t = 0; t < 9; t++) {
      write(root, "TamperedRecordFuzzTestInputs/tamper", new byte[] {(byte) t});
      write(root, "TamperedRecordFuzzTestInputs/tamper", new byte[] {(byte) t, 0, 0, 20, 1});
      write(root, "TamperedRecordFuzzTestInputs/tamper", new byte[] {(byte) t, 1, 0, 2, 4});
      write(root, "TamperedRecordFuzzTestInputs/tamper", new byte[] {(byte) t, 2, 0, 30, 0});
    }
  }

  private static byte[] compress(Codec c, byte[] plain) {
    byte[] out = new byte[plain.length + 64];
    int n = c.compress(plain, 0, plain.length, out, 0);
    if (n < 0) {
      throw new IllegalStateException(c.name() + " did not fit");
    }
    return Arrays.copyOf(out, n);
  }

  private static byte[] u16(int v) {
    return new byte[] {(byte) (v >> 8), (byte) v};
  }

  private static byte[] u32(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  private static byte[] cat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static void write(Path root, String dir, byte[] data) throws Exception {
    Path d = root.resolve(dir);
    Files.createDirectories(d);
    String name = HEX.formatHex(MessageDigest.getInstance("SHA-1").digest(data));
    Files.write(d.resolve(name), data);
  }
}
