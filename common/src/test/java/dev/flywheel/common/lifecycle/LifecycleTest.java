package dev.flywheel.common.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LifecycleTest {
  @Test
  void shouldFollowTheNormalPath() {
    Lifecycle lifecycle = new Lifecycle("svc");

    lifecycle.transition(State.NEW, State.STARTING);
    lifecycle.transition(State.STARTING, State.RUNNING);
    lifecycle.transition(State.RUNNING, State.STOPPING);
    lifecycle.transition(State.STOPPING, State.STOPPED);

    assertThat(lifecycle.state()).isEqualTo(State.STOPPED);
    assertThat(lifecycle.state().isTerminal()).isTrue();
  }

  @Test
  void shouldRejectMovesTheStateMachineNeverAllows() {
    Lifecycle lifecycle = new Lifecycle("svc");

    assertThatThrownBy(() -> lifecycle.compareAndSet(State.NEW, State.RUNNING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NEW -> RUNNING");
    assertThat(State.STOPPED.canMoveTo(State.STARTING)).isFalse();
    assertThat(State.FAILED.canMoveTo(State.STOPPED)).isFalse();
  }

  @Test
  void shouldNotMoveWhenTheExpectedStateIsStale() {
    Lifecycle lifecycle = new Lifecycle("svc");
    lifecycle.transition(State.NEW, State.STARTING);

    assertThat(lifecycle.compareAndSet(State.NEW, State.STARTING)).isFalse();
    assertThatThrownBy(() -> lifecycle.transition(State.RUNNING, State.STOPPING))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("from STARTING");
  }

  @Test
  void shouldLetExactlyOneOfManyConcurrentCallersWin() throws InterruptedException {
    Lifecycle lifecycle = new Lifecycle("svc");
    lifecycle.transition(State.NEW, State.STARTING);
    lifecycle.transition(State.STARTING, State.RUNNING);
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger winners = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                if (lifecycle.compareAndSet(State.RUNNING, State.STOPPING)) {
                  winners.incrementAndGet();
                }
              });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join(5_000);
    }

    assertThat(winners).hasValue(1);
    assertThat(lifecycle.state()).isEqualTo(State.STOPPING);
  }

  @Test
  void shouldFailFromAnyActiveStateButNotFromATerminalOne() {
    Lifecycle running = new Lifecycle("svc");
    running.transition(State.NEW, State.STARTING);

    assertThat(running.fail()).isTrue();
    assertThat(running.state()).isEqualTo(State.FAILED);
    assertThat(running.fail()).isFalse();
  }
}
