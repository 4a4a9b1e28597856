package dev.flywheel.common.lifecycle;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/** A component that records its starts and closes in a shared journal, for the runner tests. */
@SuppressWarnings("try") // close() may be interrupted; see Service
final class RecordingService implements Service {
  private final String name;
  private final List<String> journal;
  private Exception startFailure;
  private Exception closeFailure;
  private CountDownLatch closeBlocker;

  RecordingService(String name, List<String> journal) {
    this.name = name;
    this.journal = journal;
  }

  RecordingService failingStart(Exception failure) {
    this.startFailure = failure;
    return this;
  }

  RecordingService failingClose(Exception failure) {
    this.closeFailure = failure;
    return this;
  }

  RecordingService hangingClose(CountDownLatch blocker) {
    this.closeBlocker = blocker;
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void start() throws Exception {
    journal.add("start " + name);
    if (startFailure != null) {
      throw startFailure;
    }
  }

  @Override
  public void close() throws Exception {
    journal.add("close " + name);
    if (closeBlocker != null) {
      closeBlocker.await();
    }
    if (closeFailure != null) {
      throw closeFailure;
    }
  }
}
