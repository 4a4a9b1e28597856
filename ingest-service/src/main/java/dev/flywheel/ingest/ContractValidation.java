package dev.flywheel.ingest;

import dev.flywheel.common.error.ValidationError;
import io.vertx.ext.web.RoutingContext;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.RequestBody;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Contract validation of every operation with a body, against the same schemas the router would
 * use, with validators compiled once at start-up, run on the route after its authorization (the
 * router's own validation would run before it, and a body is validated only for a caller allowed to
 * send it). The router's validation also builds a new JSON-schema validator for every request on a
 * worker thread, which cost two thirds of the CPU of a feedback request in the benchmark. Bodies
 * and path parameters are checked; failures answer the one error shape.
 */
final class ContractValidation {
  static final String BODY = "flywheel.body";
  private static final String JSON = "application/json";

  private record Check(
      String operationId,
      boolean bodyRequired,
      Validator body,
      Optional<Predicate<Object>> fastBody,
      Map<String, Validator> pathParameters) {}

  private final Map<String, Check> checks = new LinkedHashMap<>();

  /**
   * Compiles the checks of {@code operations} (operation id to the pointer of the schema a single
   * object body is, for the fast path, or null).
   */
  ContractValidation(OpenAPIContract contract, Map<String, String> operations) {
    SchemaRepository repository = contract.getSchemaRepository();
    operations.forEach(
        (operationId, itemPointer) -> {
          Operation operation = contract.operation(operationId);
          RequestBody body = operation.getRequestBody();
          MediaType json = body == null ? null : body.getContent().get(JSON);
          if (json == null) {
            throw new IllegalArgumentException(operationId + " has no application/json body");
          }
          Map<String, Validator> parameters = new LinkedHashMap<>();
          for (Parameter parameter : operation.getParameters()) {
            if (parameter.getIn() != Location.PATH) {
              throw new IllegalArgumentException(
                  operationId + ": only path parameters are supported, not " + parameter.getName());
            }
            parameters.put(parameter.getName(), repository.validator(parameter.getSchema()));
          }
          Optional<Predicate<Object>> fast =
              itemPointer == null
                  ? Optional.empty()
                  : FlatObjectCheck.compileItemOrBatch(repository, json.getSchema(), itemPointer);
          checks.put(
              operationId,
              new Check(
                  operationId,
                  body.isRequired(),
                  repository.validator(json.getSchema()),
                  fast,
                  parameters));
        });
  }

  /** The operations whose validation this class does (the router must not repeat it). */
  List<String> operationIds() {
    return List.copyOf(checks.keySet());
  }

  /** The compiled fast acceptance of an operation's body, if its schema allows one (tests). */
  Optional<Predicate<Object>> fastBody(String operationId) {
    return checks.get(operationId).fastBody();
  }

  /** The general validator of an operation's body (tests). */
  Validator bodyValidator(String operationId) {
    return checks.get(operationId).body();
  }

  /**
   * Validates the request of one operation; leaves the parsed body under {@link #BODY} and answers
   * true when it is valid, else fails {@code ctx} with the one error shape and answers false.
   */
  boolean validate(RoutingContext ctx, String operationId) {
    Check check = checks.get(operationId);
    for (Map.Entry<String, Validator> parameter : check.pathParameters().entrySet()) {
      String value = ctx.pathParam(parameter.getKey());
      OutputUnit result = parameter.getValue().validate(value);
      if (!Boolean.TRUE.equals(result.getValid())) {
        ctx.fail(
            ApiException.badRequest(
                "the request does not match the API contract",
                List.of(new ValidationError(parameter.getKey(), reason(result)))));
        return false;
      }
    }
    Object body = ctx.get(Gatekeeper.PARSED_BODY);
    if (body == null) {
      io.vertx.core.buffer.Buffer raw = ctx.body().buffer();
      if (raw != null && raw.length() > 0) {
        String type = ctx.request().getHeader("Content-Type");
        // Gatekeeper.checkJsonBody parsed every JSON body; what is left is JSON null or not JSON.
        ctx.fail(
            type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith(JSON)
                ? ApiException.badRequest(
                    "the request does not match the API contract",
                    List.of(new ValidationError("body", "must be an object or an array")))
                : ApiException.of(415, "send the body as application/json"));
        return false;
      }
      if (check.bodyRequired()) {
        ctx.fail(
            ApiException.badRequest(
                "a JSON body is required", List.of(new ValidationError("body", "is missing"))));
        return false;
      }
      return true;
    }
    if (check.fastBody().isEmpty() || !check.fastBody().get().test(body)) {
      OutputUnit result = check.body().validate(body);
      if (!Boolean.TRUE.equals(result.getValid())) {
        ctx.fail(
            ApiException.badRequest(
                "the request does not match the API contract",
                SchemaErrors.fieldErrors(result, "")));
        return false;
      }
    }
    ctx.put(BODY, body);
    return true;
  }

  private static String reason(OutputUnit result) {
    List<ValidationError> errors = SchemaErrors.fieldErrors(result, "");
    return errors.isEmpty() ? "is invalid" : errors.get(0).message();
  }
}
