package io.kafkaenvelope.kms.azure;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import reactor.core.publisher.Mono;

/**
 * Removes the {@code Content-Length} header just before the request goes to the JDK HTTP client.
 * {@code java.net.http} computes that header itself from the body and refuses to take it from the
 * caller; azure-core-http-jdk-httpclient then logs a WARN per request ("The header is restricted
 * ... and will be ignored"), which would be one WARN per Key Vault call in the application's log.
 */
final class DropContentLength implements HttpPipelinePolicy {

  @Override
  public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
    context.getHttpRequest().getHeaders().remove(HttpHeaderName.CONTENT_LENGTH);
    return next.process();
  }

  @Override
  public HttpResponse processSync(HttpPipelineCallContext context,
      HttpPipelineNextSyncPolicy next) {
    context.getHttpRequest().getHeaders().remove(HttpHeaderName.CONTENT_LENGTH);
    return next.processSync();
  }

  @Override
  public HttpPipelinePosition getPipelinePosition() {
    return HttpPipelinePosition.PER_RETRY;
  }
}
