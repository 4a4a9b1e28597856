package dev.flywheel.ingest;

import dev.flywheel.common.auth.Principal;
import dev.flywheel.common.error.ValidationError;
import dev.flywheel.events.TriggerPolicy;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * {@code GET /v1/models/{model}/activity}: the live loop of one model for the console and for apps,
 * read-only, from the {@link ActivityView} and the {@link RegistryView}: live quality over time,
 * the feedback rate, the examples until the next retrain, and the training progress of the latest
 * run.
 */
final class ActivityHandler {
  /** Quality samples answered when the request names no number. */
  static final int DEFAULT_SAMPLES = 500;

  /** The contract's maximum of {@code samples}. */
  static final int MAX_SAMPLES = 2_000;

  private static final Pattern DIGITS = Pattern.compile("[1-9][0-9]{0,3}");

  private final RegistryView registry;
  private final ActivityView activity;
  private final LongSupplier clock;

  ActivityHandler(RegistryView registry, ActivityView activity, LongSupplier clock) {
    this.registry = registry;
    this.activity = activity;
    this.clock = clock;
  }

  /**
   * The {@code samples} query parameter read strictly from the raw query, as path numbers are
   * ({@link Requests#pathInt}): the contract validator would also take {@code 1.0} for 1.
   */
  static int samples(String raw) {
    if (raw == null) {
      return DEFAULT_SAMPLES;
    }
    if (!DIGITS.matcher(raw).matches() || Integer.parseInt(raw) > MAX_SAMPLES) {
      throw ApiException.badRequest(
          "the request does not match the API contract",
          List.of(
              new ValidationError(
                  "samples", "must be a whole number from 1 to " + MAX_SAMPLES + ", in digits")));
    }
    return Integer.parseInt(raw);
  }

  /** {@code GET /v1/whoami}: the caller's app and role. */
  static void whoami(RoutingContext ctx, Principal caller) {
    Requests.json(
        ctx,
        200,
        new JsonObject()
            .put("app_id", caller.appId())
            .put("role", caller.role().name().toLowerCase(Locale.ROOT)));
  }

  void getActivity(RoutingContext ctx) {
    String model = Requests.pathString(ctx, "model");
    if (!registry.knows(model)) {
      ctx.fail(ApiException.notFound("unknown model '" + model + "'"));
      return;
    }
    int count = samples(ctx.request().getParam("samples"));
    Integer champion = registry.champion(model).map(ReleaseEntry::version).orElse(null);
    int minNewExamples =
        registry
            .spec(model)
            .map(spec -> spec.getTrigger().getMinNewExamples())
            .orElse(TriggerPolicy.newBuilder().build().getMinNewExamples());
    Requests.json(
        ctx, 200, activity.json(model, count, champion, minNewExamples, clock.getAsLong()));
  }
}
