package dev.flywheel.ingest;

import dev.flywheel.common.auth.Principal;
import dev.flywheel.events.TriggerPolicy;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * {@code GET /v1/models/{model}/activity}: the live loop of one model for the console and for apps,
 * read-only, from the {@link ActivityView} and the {@link RegistryView}: live quality over time,
 * the feedback rate, the examples until the next retrain, and the training progress of the latest
 * run.
 */
final class ActivityHandler {
  /** Quality samples answered when the request names no number. */
  static final int DEFAULT_SAMPLES = 500;

  private final RegistryView registry;
  private final ActivityView activity;
  private final LongSupplier clock;

  ActivityHandler(RegistryView registry, ActivityView activity, LongSupplier clock) {
    this.registry = registry;
    this.activity = activity;
    this.clock = clock;
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
    String samples = Requests.query(ctx, "samples");
    int count = samples == null ? DEFAULT_SAMPLES : Integer.parseInt(samples);
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
