package io.kafkaenvelope.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The BOM (bom/pom.xml) has no parent, so nothing in Maven keeps it in step with the build: this
 * test does. It manages exactly the published modules (every module of the root pom that does
 * not set maven.deploy.skip), each at the project's version, and has the project's version.
 */
class BomTest {

  private static final Path ROOT = Path.of("..");

  @Test
  void theBomManagesEveryPublishedModuleAtTheProjectVersion() throws Exception {
    Document root = parse(ROOT.resolve("pom.xml"));
    String version = child(root.getDocumentElement(), "version");
    Set<String> published = new TreeSet<>();
    for (String module : texts(root.getDocumentElement(), "modules", "module")) {
      if (module.equals("bom")) {
        continue;
      }
      Element pom = parse(ROOT.resolve(module).resolve("pom.xml")).getDocumentElement();
      Element props = first(pom, "properties");
      String skip = props == null ? null : child(props, "maven.deploy.skip");
      if (!"true".equals(skip)) {
        published.add(child(pom, "artifactId"));
      }
    }

    Element bom = parse(ROOT.resolve("bom/pom.xml")).getDocumentElement();
    assertEquals(version, child(bom, "version"), "bom/pom.xml <version>");
    assertEquals("pom", child(bom, "packaging"));
    Set<String> managed = new TreeSet<>();
    Element deps = first(first(bom, "dependencyManagement"), "dependencies");
    for (Element d : elements(deps, "dependency")) {
      assertEquals("io.kafkaenvelope", child(d, "groupId"));
      assertEquals("${project.version}", child(d, "version"), child(d, "artifactId"));
      managed.add(child(d, "artifactId"));
    }
    assertEquals(published, managed,
        "bom/pom.xml must manage exactly the published modules (add a new module there, or set"
            + " maven.deploy.skip in a module that is not published)");
  }

  private static Document parse(Path p) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(p.toFile());
  }

  private static List<Element> elements(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      Node n = nodes.item(i);
      if (n instanceof Element e && e.getTagName().equals(name)) {
        out.add(e);
      }
    }
    return out;
  }

  private static Element first(Element parent, String name) {
    List<Element> all = elements(parent, name);
    return all.isEmpty() ? null : all.get(0);
  }

  private static String child(Element parent, String name) {
    Element e = first(parent, name);
    return e == null ? null : e.getTextContent().trim();
  }

  private static List<String> texts(Element parent, String container, String name) {
    List<String> out = new ArrayList<>();
    for (Element e : elements(first(parent, container), name)) {
      out.add(e.getTextContent().trim());
    }
    return out;
  }
}
