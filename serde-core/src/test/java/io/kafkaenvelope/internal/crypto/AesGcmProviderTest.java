package io.kafkaenvelope.internal.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.wire.SealedRecord;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.CipherSpi;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The optional accelerated provider: serde-core's tests run without the Amazon Corretto Crypto
 * Provider, so they check the fallback, and that a provider is only taken when it is healthy and
 * agrees with the JDK byte for byte. (The benchmarks module tests the real provider.)
 */
class AesGcmProviderTest {

  @Test
  void withoutTheProviderOnTheClasspathTheJdkCipherIsUsed() throws Exception {
    assertNull(AesGcm.accelerated(AesGcm.ACCP_CLASS));
    Provider jdk = Cipher.getInstance("AES/GCM/NoPadding").getProvider();
    assertTrue(AesGcm.providerName().startsWith(jdk.getName() + " "), AesGcm.providerName());
  }

  @Test
  void fallbackEncryptsInterchangeablyWithThePlainJca() throws Exception {
    SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
    byte[] aad = {1, 2, 3};
    byte[] plaintext = new byte[1000];
    new SecureRandom().nextBytes(plaintext);
    byte[] out = new byte[SealedRecord.sealedLength(plaintext.length) + 5];
    out[5] = 9; // nonce at offset 5
    AesGcm.seal(key, aad, out, 0, 0, 5, plaintext, 0, plaintext.length);

    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, out, 5, 12));
    c.updateAAD(aad);
    assertArrayEquals(plaintext, c.doFinal(out, 17, out.length - 17));
    assertArrayEquals(plaintext, AesGcm.open(key, new byte[] {0, 1, 2, 3}, 1, 3, out, 0, 5));
    out[out.length - 1] ^= 1;
    assertThrows(AEADBadTagException.class, () -> AesGcm.open(key, aad, 0, 3, out, 0, 5));
  }

  @Test
  void classesThatAreNotProvidersAreIgnored() {
    assertNull(AesGcm.accelerated("java.lang.String")); // no INSTANCE field
    assertNull(AesGcm.accelerated(NotAProvider.class.getName())); // INSTANCE of another type
    assertNull(AesGcm.accelerated(UnhealthyProvider.class.getName()));
  }

  @Test
  void aProviderThatAgreesWithTheJdkIsTaken() {
    assertSame(GoodProvider.INSTANCE, AesGcm.accelerated(GoodProvider.class.getName()));
  }

  @Test
  void aProviderWithDifferentOutputIsRefused() {
    assertNull(AesGcm.accelerated(CorruptingProvider.class.getName()));
  }

  @Test
  void aProviderWithoutAesGcmIsRefused() {
    assertNull(AesGcm.accelerated(EmptyProvider.class.getName()));
  }

  public static final class NotAProvider {
    public static final Object INSTANCE = new Object();
  }

  public static final class EmptyProvider extends Provider {
    public static final EmptyProvider INSTANCE = new EmptyProvider();

    EmptyProvider() {
      super("EmptyTest", "1", "no ciphers");
    }
  }

  /** Like ACCP when its native library did not load. */
  public static final class UnhealthyProvider extends Provider {
    public static final UnhealthyProvider INSTANCE = new UnhealthyProvider();

    UnhealthyProvider() {
      super("UnhealthyTest", "1", "fails assertHealthy");
      putService(new Service(this, "Cipher", "AES/GCM/NoPadding", GoodSpi.class.getName(), null,
          null));
    }

    public void assertHealthy() {
      throw new IllegalStateException("native library missing");
    }
  }

  public static final class GoodProvider extends Provider {
    public static final GoodProvider INSTANCE = new GoodProvider();

    GoodProvider() {
      super("GoodTest", "1", "delegates to the JDK");
      putService(new Service(this, "Cipher", "AES/GCM/NoPadding", GoodSpi.class.getName(), null,
          null));
    }

    public void assertHealthy() {}
  }

  public static final class CorruptingProvider extends Provider {
    public static final CorruptingProvider INSTANCE = new CorruptingProvider();

    CorruptingProvider() {
      super("CorruptingTest", "1", "flips a ciphertext bit");
      putService(new Service(this, "Cipher", "AES/GCM/NoPadding",
          CorruptingSpi.class.getName(), null, null));
    }
  }

  public static final class CorruptingSpi extends GoodSpi {
    @Override
    protected byte[] engineDoFinal(byte[] input, int offset, int len)
        throws javax.crypto.IllegalBlockSizeException, javax.crypto.BadPaddingException {
      byte[] out = super.engineDoFinal(input, offset, len);
      out[0] ^= 1;
      return out;
    }
  }

  /** A cipher SPI that hands everything to the JDK's AES-GCM. */
  public static class GoodSpi extends CipherSpi {
    private final Cipher jdk;

    public GoodSpi() {
      try {
        jdk = Cipher.getInstance("AES/GCM/NoPadding");
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    protected void engineSetMode(String mode) {}

    @Override
    protected void engineSetPadding(String padding) {}

    @Override
    protected int engineGetBlockSize() {
      return jdk.getBlockSize();
    }

    @Override
    protected int engineGetOutputSize(int inputLen) {
      return jdk.getOutputSize(inputLen);
    }

    @Override
    protected byte[] engineGetIV() {
      return jdk.getIV();
    }

    @Override
    protected AlgorithmParameters engineGetParameters() {
      return jdk.getParameters();
    }

    @Override
    protected void engineInit(int opmode, Key key, SecureRandom random)
        throws java.security.InvalidKeyException {
      jdk.init(opmode, key, random);
    }

    @Override
    protected void engineInit(int opmode, Key key, AlgorithmParameterSpec params,
        SecureRandom random) throws java.security.InvalidKeyException,
        java.security.InvalidAlgorithmParameterException {
      jdk.init(opmode, key, params, random);
    }

    @Override
    protected void engineInit(int opmode, Key key, AlgorithmParameters params, SecureRandom random)
        throws java.security.InvalidKeyException,
        java.security.InvalidAlgorithmParameterException {
      jdk.init(opmode, key, params, random);
    }

    @Override
    protected void engineUpdateAAD(byte[] src, int offset, int len) {
      jdk.updateAAD(src, offset, len);
    }

    @Override
    protected byte[] engineUpdate(byte[] input, int offset, int len) {
      return jdk.update(input, offset, len);
    }

    @Override
    protected int engineUpdate(byte[] input, int offset, int len, byte[] output, int outOffset)
        throws javax.crypto.ShortBufferException {
      return jdk.update(input, offset, len, output, outOffset);
    }

    @Override
    protected byte[] engineDoFinal(byte[] input, int offset, int len)
        throws javax.crypto.IllegalBlockSizeException, javax.crypto.BadPaddingException {
      return jdk.doFinal(input, offset, len);
    }

    @Override
    protected int engineDoFinal(byte[] input, int offset, int len, byte[] output, int outOffset)
        throws javax.crypto.ShortBufferException, javax.crypto.IllegalBlockSizeException,
        javax.crypto.BadPaddingException {
      return jdk.doFinal(input, offset, len, output, outOffset);
    }
  }
}
