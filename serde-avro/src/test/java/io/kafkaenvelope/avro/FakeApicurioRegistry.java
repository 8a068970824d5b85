package io.kafkaenvelope.avro;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * The few endpoints of Apicurio Registry's v2 REST API that its Kafka serdes call, on loopback:
 * register a schema (create artifact, returning the existing version for identical content) and
 * fetch a schema by global id or content id. The real registry app needs a Quarkus runtime; this
 * is only the serdes' side of the contract. Any other request is answered 404 and recorded, so a
 * test can assert the serdes stayed within what is implemented.
 */
final class FakeApicurioRegistry implements AutoCloseable {

  private static final Pattern CREATE =
      Pattern.compile("/apis/registry/v2/groups/([^/]+)/artifacts");
  private static final Pattern BY_ID =
      Pattern.compile("/apis/registry/v2/ids/(globalIds|contentIds)/(\\d+)(/references)?");

  private final ObjectMapper json = new ObjectMapper();
  private final HttpServer server;
  private final AtomicLong ids = new AtomicLong(100);
  /** artifact (group/id) + content → global id. */
  private final Map<String, Long> registered = new ConcurrentHashMap<>();
  private final Map<Long, String> contentById = new ConcurrentHashMap<>();
  final List<String> requests = new CopyOnWriteArrayList<>();
  final List<String> unexpected = new CopyOnWriteArrayList<>();

  FakeApicurioRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The value for {@code apicurio.registry.url}. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/apis/registry/v2";
  }

  /** The schema registered under {@code id} (global and content ids coincide here). */
  String schema(long id) {
    return contentById.get(id);
  }

  int schemaCount() {
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
        ObjectNode meta = json.createObjectNode()
            .put("groupId", group).put("id", artifactId).put("version", String.valueOf(id))
            .put("globalId", id).put("contentId", id).put("type", "AVRO")
            .put("state", "ENABLED").put("createdBy", "").put("modifiedBy", "");
        meta.putArray("references");
        send(ex, 200, json.writeValueAsString(meta));
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
