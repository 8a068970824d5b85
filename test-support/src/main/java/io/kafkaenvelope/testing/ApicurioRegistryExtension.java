package io.kafkaenvelope.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link FakeApicurioRegistry} for a test class: started before its tests, closed after them,
 * and after each test a check that the serdes called only what the fake implements (an
 * unimplemented call would otherwise pass as a 404 the serde may swallow).
 *
 * <pre>
 * &#64;RegisterExtension static final ApicurioRegistryExtension REGISTRY =
 *     new ApicurioRegistryExtension();
 * </pre>
 */
public final class ApicurioRegistryExtension
    implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

  private FakeApicurioRegistry registry;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    registry = new FakeApicurioRegistry();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    assertEquals(List.of(), registry.unexpected, "registry calls the fake does not implement");
  }

  @Override
  public void afterAll(ExtensionContext context) {
    registry.close();
  }

  /** The running registry. */
  public FakeApicurioRegistry registry() {
    return registry;
  }
}
