package dev.flywheel.ingest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A minimal Server-Sent Events reader: collects events on a background thread until closed. */
final class SseClient implements AutoCloseable {
  record Event(String type, String id, String data) {}

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Stream<String> lines;
  private final Thread reader;
  final int status;

  SseClient(HttpClient http, URI uri, String key, String lastEventId) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + key).GET();
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<Stream<String>> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
    status = response.statusCode();
    lines = response.body();
    reader = new Thread(this::read, "sse-test-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    String[] current = {"message", null, null};
    try {
      lines.forEach(
          line -> {
            if (line.isEmpty()) {
              if (current[2] != null) {
                events.add(new Event(current[0], current[1], current[2]));
              }
              current[0] = "message";
              current[1] = null;
              current[2] = null;
            } else if (line.startsWith("event: ")) {
              current[0] = line.substring(7);
            } else if (line.startsWith("id: ")) {
              current[1] = line.substring(4);
            } else if (line.startsWith("data: ")) {
              current[2] = line.substring(6);
            }
          });
    } catch (RuntimeException closed) {
      // The test closed the stream.
    }
  }

  /** The next event, or null after {@code timeout}. */
  Event next(Duration timeout) throws InterruptedException {
    return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    lines.close();
    reader.interrupt();
  }
}
