package dev.flywheel.evaluator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.QualityReport;
import dev.flywheel.schemas.Events;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class QualityLedgerTest {

  private static QualityReport report(int version, long windowStart, long up, long fix, long down) {
    return QualityReport.newBuilder()
        .setModel(Events.ref("m", version))
        .setWindowStart(Instant.ofEpochMilli(windowStart))
        .setWindowEnd(Instant.ofEpochMilli(windowStart + 1000))
        .setConfirmations(up)
        .setCorrections(fix)
        .setThumbsDown(down)
        .setComments(7)
        .setTimestamp(Instant.EPOCH)
        .build();
  }

  @Test
  void shouldLetTheLatestReportOfAWindowReplaceTheEarlierOnes() {
    QualityLedger ledger = new QualityLedger();
    ledger.apply(report(1, 0, 5, 1, 0));
    ledger.apply(report(1, 0, 9, 2, 1));

    assertThat(ledger.live("m", 1)).isEqualTo(new RollbackRule.Live(9, 12));
  }

  @Test
  void shouldAddUpDistinctWindowsPerVersionAndIgnoreComments() {
    QualityLedger ledger = new QualityLedger();
    ledger.apply(report(1, 0, 9, 2, 1));
    ledger.apply(report(1, 1000, 1, 0, 3));
    ledger.apply(report(2, 0, 4, 4, 0));

    assertThat(ledger.live("m", 1)).isEqualTo(new RollbackRule.Live(10, 16));
    assertThat(ledger.live("m", 2)).isEqualTo(new RollbackRule.Live(4, 8));
    assertThat(ledger.live("m", 3)).isEqualTo(new RollbackRule.Live(0, 0));
  }
}
