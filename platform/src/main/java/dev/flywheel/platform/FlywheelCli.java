package dev.flywheel.platform;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code flywheel} command: the whole loop in one JVM on the embedded broker ({@code up},
 * {@code demo}), one service against a real cluster ({@code service}), bulk import, or just the
 * embedded broker and registry ({@code infra}), or the schema registry alone against a cluster
 * ({@code registry}).
 */
@Command(
    name = "flywheel",
    mixinStandardHelpOptions = true,
    version = "Flywheel 0.1.0",
    description = "Event-driven continuous training for small language models, on Apache Kafka.",
    subcommands = {
      DemoCommand.class,
      UpCommand.class,
      ServiceCommand.class,
      ImportCommand.class,
      InfraCommand.class,
      RegistryCommand.class,
      CommandLine.HelpCommand.class
    })
public final class FlywheelCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    if (args.length > 0 && "demo".equals(args[0])) {
      // The demo owns the terminal: logs go to a file (set before any logger exists).
      System.setProperty("log4j2.configurationFile", "log4j2-demo.xml");
    }
    System.exit(new CommandLine(new FlywheelCli()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
