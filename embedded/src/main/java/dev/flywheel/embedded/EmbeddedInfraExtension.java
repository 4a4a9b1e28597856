package dev.flywheel.embedded;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives a test class the JVM-wide {@link EmbeddedInfra}, started before its
 * first test and stopped when the whole test run ends.
 *
 * <pre>{@code
 * @ExtendWith(EmbeddedInfraExtension.class)
 * class FeedbackIT {
 *   FeedbackIT(EmbeddedInfra infra) { ... }
 * }
 * }</pre>
 */
public final class EmbeddedInfraExtension implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(EmbeddedInfraExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    infra(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == EmbeddedInfra.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return infra(context);
  }

  private static EmbeddedInfra infra(ExtensionContext context) {
    // The root store closes what it holds when the test run ends, before the JVM exits.
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            StopAtEnd.class, key -> new StopAtEnd(EmbeddedInfra.shared()), StopAtEnd.class)
        .infra();
  }

  private record StopAtEnd(EmbeddedInfra infra) implements AutoCloseable {
    @Override
    public void close() {
      infra.close();
    }
  }
}
