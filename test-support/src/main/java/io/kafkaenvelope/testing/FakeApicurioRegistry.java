package io.kafkaenvelope.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few endpoints of Apicurio Registry's v2 REST API that its Kafka serdes (2.x) call, on
 * loopback: register a schema (create artifact, returning the existing version for identical
 * content) and fetch a schema by global id or content id. The real registry app needs a Quarkus
 * runtime; this is only the serdes' side of the contract, for tests that wrap a third-party
 * registry serde. Any other request is answered 404 and recorded in {@link #unexpected}, so a test
 * can assert the serdes stayed within what is implemented. Global and content ids coincide.
 */
public final class FakeApicurioRegistry implements AutoCloseable {

  private static final Pattern CREATE =
      Pattern.compile("/apis/registry/v2/groups/([^/]+)/artifacts");
  private static final Pattern BY_ID =
      Pattern.compile("/apis/registry/v2/ids/(globalIds|contentIds)/(\\d+)(/references)?");

  private final HttpServer server;
  private final AtomicLong ids = new AtomicLong(100);
  /** artifact (group/id) + content → global id. */
  private final Map<String, Long> registered = new ConcurrentHashMap<>();
  private final Map<Long, String> contentById = new ConcurrentHashMap<>();
  /** Every request, as "METHOD path". */
  public final List<String> requests = new CopyOnWriteArrayList<>();
  /** Requests outside the implemented endpoints. */
  public final List<String> unexpected = new CopyOnWriteArrayList<>();

  public FakeApicurioRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The value for {@code apicurio.registry.url}. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/apis/registry/v2";
  }

  /** The schema registered under {@code id} (global and content ids coincide here). */
  public String schema(long id) {
    return contentById.get(id);
  }

  public int schemaCount() {
    return contentById.size();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      URI uri = ex.getRequestURI();
      String path = uri.getPath();
      requests.add(ex.getRequestMethod() + " " + path);
      Matcher m;
      if (ex.getRequestMethod().equals("POST") && (m = CREATE.matcher(path)).matches()) {
        String group = m.group(1);
        String artifactId = ex.getRequestHeaders().getFirst("X-Registry-ArtifactId");
        String type = ex.getRequestHeaders().getFirst("X-Registry-ArtifactType");
        String content = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (artifactId == null || content.isBlank()) {
          send(ex, 400, "{\"message\":\"artifact id and content required\"}");
          return;
        }
        long id = registered.computeIfAbsent(group + "/" + artifactId + "\n" + content, k -> {
          long n = ids.incrementAndGet();
          contentById.put(n, content);
          return n;
        });
        String meta = "{\"groupId\":" + quote(group) + ",\"id\":" + quote(artifactId)
            + ",\"version\":\"" + id + "\",\"globalId\":" + id + ",\"contentId\":" + id
            + ",\"type\":" + quote(type == null ? "AVRO" : type)
            + ",\"state\":\"ENABLED\",\"createdBy\":\"\",\"modifiedBy\":\"\",\"references\":[]}";
        send(ex, 200, meta);
        return;
      }
      if (ex.getRequestMethod().equals("GET") && (m = BY_ID.matcher(path)).matches()) {
        String content = contentById.get(Long.parseLong(m.group(2)));
        if (content == null) {
          send(ex, 404, "{\"error_code\":404,\"message\":\"No artifact with ID '" + m.group(2)
              + "' was found.\",\"name\":\"ArtifactNotFoundException\"}");
        } else if (m.group(3) != null) {
          send(ex, 200, "[]");
        } else {
          send(ex, 200, content);
        }
        return;
      }
      unexpected.add(ex.getRequestMethod() + " " + uri);
      send(ex, 404, "{\"error_code\":404,\"message\":\"not implemented by the fake\"}");
    }
  }

  /** A JSON string literal (ids and group names here are plain, but escape anyway). */
  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
