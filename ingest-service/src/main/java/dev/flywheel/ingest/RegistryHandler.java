package dev.flywheel.ingest;

import dev.flywheel.slm.BaseModelInfo;
import dev.flywheel.slm.DevicePreference;
import dev.flywheel.slm.RecipeContext;
import dev.flywheel.slm.Recipes;
import dev.flywheel.slm.store.ArtifactStoreException;
import dev.flywheel.slm.store.BundleFetcher;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.io.InputStream;
import java.util.Optional;

/**
 * The read side of model sharing, answered from the {@link RegistryView}: the models, one model
 * with its versions, a version's manifest, the bundle bytes (sha256 as header and ETag), and the
 * release history.
 */
final class RegistryHandler {
  private final RegistryView registry;
  private final BundleFetcher fetcher;

  RegistryHandler(RegistryView registry, BundleFetcher fetcher) {
    this.registry = registry;
    this.fetcher = fetcher;
  }

  void listModels(RoutingContext ctx) {
    JsonArray models = new JsonArray();
    for (String name : registry.models()) {
      models.add(
          new JsonObject()
              .put("name", name)
              .put("has_spec", registry.spec(name).isPresent())
              .put(
                  "champion_version",
                  registry.champion(name).map(ReleaseEntry::version).orElse(null))
              .put("versions", registry.versions(name, v -> v).size()));
    }
    Requests.json(ctx, 200, new JsonObject().put("models", models));
  }

  void getModel(RoutingContext ctx) {
    String model = Requests.pathString(ctx, "model");
    if (!registry.knows(model)) {
      ctx.fail(ApiException.notFound("unknown model '" + model + "'"));
      return;
    }
    JsonObject json =
        new JsonObject()
            .put("name", model)
            .put("spec", registry.spec(model).map(Views::spec).orElse(null))
            .put("champion", registry.champion(model).map(Views::release).orElse(null))
            .put(
                "versions",
                new JsonArray(registry.versions(model, v -> Views.version(model, v, false))));
    Requests.json(ctx, 200, json);
  }

  void getVersion(RoutingContext ctx) {
    String model = Requests.pathString(ctx, "model");
    int version = Requests.pathInt(ctx, "version");
    Optional<JsonObject> manifest =
        registry.version(model, version, v -> Views.version(model, v, true));
    if (manifest.isEmpty()) {
      ctx.fail(ApiException.notFound("model '" + model + "' has no version " + version));
      return;
    }
    Requests.json(ctx, 200, manifest.get());
  }

  void getBundle(RoutingContext ctx) {
    String model = Requests.pathString(ctx, "model");
    int version = Requests.pathInt(ctx, "version");
    Optional<JsonObject> info =
        registry.version(model, version, v -> Views.version(model, v, false));
    if (info.isEmpty() || info.get().getString("artifact_uri") == null) {
      ctx.fail(ApiException.notFound("model '" + model + "' has no bundle for version " + version));
      return;
    }
    String sha256 = info.get().getString("sha256");
    String etag = "\"" + sha256 + "\"";
    String ifNoneMatch = ctx.request().getHeader("If-None-Match");
    if (ifNoneMatch != null && (ifNoneMatch.contains(etag) || ifNoneMatch.trim().equals("*"))) {
      ctx.response().setStatusCode(304).putHeader("ETag", etag).end();
      return;
    }
    String uri = info.get().getString("artifact_uri");
    ctx.vertx()
        .executeBlocking(
            () -> {
              try (InputStream in = fetcher.open(uri)) {
                return io.vertx.core.buffer.Buffer.buffer(in.readAllBytes());
              }
            },
            false)
        .onSuccess(
            bytes ->
                ctx.response()
                    .putHeader("Content-Type", "application/octet-stream")
                    .putHeader("X-Flywheel-Sha256", sha256)
                    .putHeader("ETag", etag)
                    .putHeader(
                        "Content-Disposition",
                        "attachment; filename=\"" + model + "-v" + version + ".zip\"")
                    .end(bytes))
        .onFailure(
            e ->
                ctx.fail(
                    e instanceof ArtifactStoreException
                        ? ApiException.notFound("the bundle of version " + version + " is gone")
                        : e));
  }

  void listReleases(RoutingContext ctx) {
    String model = Requests.query(ctx, "model");
    JsonArray releases = new JsonArray();
    for (ReleaseEntry entry : registry.releases()) {
      if (model == null || model.equals(entry.model())) {
        releases.add(Views.release(entry));
      }
    }
    Requests.json(ctx, 200, new JsonObject().put("releases", releases));
  }

  /**
   * The base models every recipe can start from. Off the event loop: the listing reads the artifact
   * store to say which are converted (their sha256).
   */
  void listBaseModels(RoutingContext ctx) {
    ctx.vertx()
        .executeBlocking(
            () -> {
              JsonArray models = new JsonArray();
              for (BaseModelInfo info :
                  Recipes.baseModels(
                      new RecipeContext(fetcher.storeOf(Optional.empty()), DevicePreference.CPU))) {
                models.add(Views.baseModel(info));
              }
              return new JsonObject().put("base_models", models);
            },
            false)
        .onSuccess(json -> Requests.json(ctx, 200, json))
        .onFailure(ctx::fail);
  }
}
