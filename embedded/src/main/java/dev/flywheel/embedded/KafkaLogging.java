package dev.flywheel.embedded;

import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Keeps the in-process broker at WARN: at INFO it writes hundreds of lines per start, which drown
 * the application's own log. A level that the application configured explicitly is left alone.
 */
final class KafkaLogging {
  private static final List<String> BROKER_LOGGERS =
      List.of("kafka", "state.change.logger", "org.apache.kafka");

  private KafkaLogging() {}

  static void quietBroker() {
    try {
      if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
        return;
      }
      for (String name : BROKER_LOGGERS) {
        boolean configured = context.getConfiguration().getLoggers().containsKey(name);
        Level current = context.getLogger(name).getLevel();
        if (!configured && current.intLevel() > Level.WARN.intLevel()) {
          Configurator.setLevel(name, Level.WARN);
        }
      }
    } catch (LinkageError e) {
      // log4j-core is not the logging backend here (excluded by the application): nothing to tune.
      return;
    }
  }
}
