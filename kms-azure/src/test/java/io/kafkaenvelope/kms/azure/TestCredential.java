package io.kafkaenvelope.kms.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;

/**
 * The Entra credential of the tests ({@code envelope.kms.azure.credential=custom}): hands out
 * {@link #TOKEN}, which {@link FakeKeyVault} accepts, counts its calls and records the scopes and
 * tenant the SDK asked for (taken from Key Vault's challenge).
 */
public final class TestCredential implements TokenCredential {

  /** A bearer token the log scan looks for. */
  static final String TOKEN = "kv-test-bearer-token-never-logged-7f3a9c";
  static final AtomicInteger CALLS = new AtomicInteger();
  static final List<String> SCOPES = new CopyOnWriteArrayList<>();
  static final List<String> TENANTS = new CopyOnWriteArrayList<>();
  static volatile String token = TOKEN;

  @Override
  public Mono<AccessToken> getToken(TokenRequestContext request) {
    return Mono.fromSupplier(() -> getTokenSync(request));
  }

  @Override
  public AccessToken getTokenSync(TokenRequestContext request) {
    CALLS.incrementAndGet();
    SCOPES.addAll(request.getScopes());
    if (request.getTenantId() != null) {
      TENANTS.add(request.getTenantId());
    }
    return new AccessToken(token, OffsetDateTime.now().plusHours(1));
  }
}
