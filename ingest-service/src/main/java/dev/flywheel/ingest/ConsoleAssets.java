package dev.flywheel.ingest;

import dev.flywheel.common.auth.RequestTargets;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/**
 * The web console's static files: the only things the gateway answers without a key. A browser
 * cannot send a key for {@code <script src>}, so these files are public; they hold no data (every
 * figure the console shows comes from the API, with the key the person typed in). The allow-list is
 * this class's fixed table of exact paths, each in its canonical spelling, for GET and HEAD only;
 * the library files come from their WebJars under lower-case aliases. Every file is read and
 * gzip-compressed once at start, and served with a strict Content-Security-Policy and the other
 * security headers.
 */
final class ConsoleAssets {
  /**
   * The Content-Security-Policy of every console file: scripts, styles and connections to this
   * origin only, no inline script or style, no framing, no forms, no base URI.
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          + "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
          + "frame-ancestors 'none'";

  /** The security headers of every console response. */
  static final Map<String, String> SECURITY_HEADERS =
      Map.of(
          "Content-Security-Policy", CONTENT_SECURITY_POLICY,
          "X-Content-Type-Options", "nosniff",
          "X-Frame-Options", "DENY",
          "Referrer-Policy", "no-referrer",
          "Cross-Origin-Opener-Policy", "same-origin",
          "Cross-Origin-Resource-Policy", "same-origin");

  private static final String CONSOLE = "console/";
  private static final String UPLOT = webJar("org.webjars.npm", "uplot");
  private static final String SWAGGER = webJar("org.webjars", "swagger-ui");

  /** One public file, read and compressed at start. */
  record Asset(String path, String contentType, byte[] bytes, byte[] gzipped, String etag) {}

  private final Map<String, Asset> assets;

  private ConsoleAssets(Map<String, Asset> assets) {
    this.assets = assets;
  }

  /**
   * The console's files from the classpath.
   *
   * @throws IllegalStateException when one is missing (a broken build, found at start)
   */
  static ConsoleAssets load() {
    Map<String, String[]> table = new LinkedHashMap<>();
    table.put("/", new String[] {CONSOLE + "index.html", "text/html; charset=utf-8"});
    for (String file :
        new String[] {"app.js", "api.js", "views.js", "api.html", "console.css", "icon.svg"}) {
      table.put("/console/" + file, new String[] {CONSOLE + file, contentType(file)});
    }
    table.put(
        "/console/lib/uplot.js",
        new String[] {UPLOT + "dist/uPlot.iife.min.js", contentType("uplot.js")});
    table.put(
        "/console/lib/uplot.css",
        new String[] {UPLOT + "dist/uPlot.min.css", contentType("uplot.css")});
    table.put(
        "/console/lib/swagger-ui-bundle.js",
        new String[] {SWAGGER + "swagger-ui-bundle.js", contentType("x.js")});
    table.put(
        "/console/lib/swagger-ui.css",
        new String[] {SWAGGER + "swagger-ui.css", contentType("x.css")});
    table.put("/openapi.yaml", new String[] {HttpApi.CONTRACT, "application/yaml; charset=utf-8"});
    Map<String, Asset> assets = new LinkedHashMap<>();
    table.forEach(
        (path, source) -> {
          if (RequestTargets.problem(path).isPresent()) {
            throw new IllegalStateException("the console path " + path + " is not canonical");
          }
          byte[] bytes = read(source[0]);
          assets.put(path, new Asset(path, source[1], bytes, gzip(bytes), etag(bytes)));
        });
    return new ConsoleAssets(Map.copyOf(assets));
  }

  /** The public paths, exactly. */
  Set<String> paths() {
    return assets.keySet();
  }

  /** The file at a path, if it is public. */
  Asset asset(String path) {
    return assets.get(path);
  }

  /** Whether a request may go without a key: a GET or HEAD of one of the console's files. */
  boolean isPublic(HttpServerRequest request) {
    HttpMethod method = request.method();
    return (method == HttpMethod.GET || method == HttpMethod.HEAD)
        && assets.containsKey(request.path());
  }

  /** Serves the file of the request's path (a route per path, so it is there). */
  void serve(RoutingContext ctx) {
    Asset asset = assets.get(ctx.request().path());
    HttpServerResponse response = ctx.response();
    SECURITY_HEADERS.forEach(response::putHeader);
    response
        .putHeader("Cache-Control", "no-cache")
        .putHeader("ETag", asset.etag())
        .putHeader("Vary", "Accept-Encoding");
    String ifNoneMatch = ctx.request().getHeader("If-None-Match");
    if (ifNoneMatch != null && ifNoneMatch.contains(asset.etag())) {
      response.setStatusCode(304).end();
      return;
    }
    String accept = ctx.request().getHeader("Accept-Encoding");
    boolean gzip = accept != null && accept.toLowerCase(Locale.ROOT).contains("gzip");
    byte[] body = gzip ? asset.gzipped() : asset.bytes();
    response.putHeader("Content-Type", asset.contentType());
    if (gzip) {
      response.putHeader("Content-Encoding", "gzip");
    }
    if (ctx.request().method() == HttpMethod.HEAD) {
      response.putHeader("Content-Length", Integer.toString(body.length)).end();
    } else {
      response.end(Buffer.buffer(body));
    }
  }

  private static String contentType(String file) {
    if (file.endsWith(".js")) {
      return "text/javascript; charset=utf-8";
    }
    if (file.endsWith(".css")) {
      return "text/css; charset=utf-8";
    }
    if (file.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (file.endsWith(".svg")) {
      return "image/svg+xml";
    }
    throw new IllegalArgumentException("no content type for " + file);
  }

  /** The resource folder of a WebJar's files, from the version its Maven properties name. */
  private static String webJar(String group, String artifact) {
    Properties properties = new Properties();
    String file = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(file)) {
      if (in == null) {
        throw new IllegalStateException("the WebJar " + artifact + " is not on the classpath");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "META-INF/resources/webjars/" + artifact + "/" + properties.getProperty("version") + "/";
  }

  private static byte[] read(String resource) {
    try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the console file " + resource + " is missing");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3 + 64);
    try (GZIPOutputStream gzip =
        new GZIPOutputStream(out) {
          {
            def.setLevel(9);
          }
        }) {
      gzip.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static String etag(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
