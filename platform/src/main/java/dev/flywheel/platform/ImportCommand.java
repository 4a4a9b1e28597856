package dev.flywheel.platform;

import dev.flywheel.slm.Example;
import dev.flywheel.slm.data.TsvDataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code flywheel import}: bulk labeled examples from a TSV file into a model, through the API. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description =
        "Send labeled examples (label<TAB>text per line, UTF-8) to a model via the gateway.")
final class ImportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE", description = "TSV file: label<TAB>text per line.")
  Path file;

  @Option(names = "--model", required = true, description = "Model name.")
  String model;

  @Option(
      names = "--api",
      defaultValue = "${env:FLYWHEEL_API_URL:-http://127.0.0.1:8080}",
      description = "Gateway URL (default: ${DEFAULT-VALUE}).")
  String api;

  @Option(
      names = "--api-key",
      defaultValue = "${env:FLYWHEEL_API_KEY}",
      description = "API key (default: the FLYWHEEL_API_KEY environment variable).")
  String apiKey;

  @Option(names = "--batch", defaultValue = "500", description = "Examples per request.")
  int batchSize;

  @Override
  public Integer call() throws Exception {
    if (apiKey == null || apiKey.isBlank()) {
      System.err.println("flywheel import: no API key (--api-key or FLYWHEEL_API_KEY)");
      return 2;
    }
    TsvDataset dataset = TsvDataset.read(file);
    List<Example> examples = dataset.examples();
    ApiClient client = new ApiClient(api, apiKey);
    long accepted = 0;
    long rejected = 0;
    for (int from = 0; from < examples.size(); from += batchSize) {
      List<Map<String, String>> batch = new ArrayList<>();
      for (Example example : examples.subList(from, Math.min(examples.size(), from + batchSize))) {
        batch.add(Map.of("text", example.text(), "label", example.label()));
      }
      ApiClient.Answer answer = client.post("/v1/models/" + model + "/examples", batch);
      if (!answer.ok()) {
        System.err.printf(
            "flywheel import: stopped at line batch %d: %s%n",
            from / batchSize + 1, answer.describe());
        return 1;
      }
      accepted += answer.body().path("accepted").asLong();
      rejected += answer.body().path("rejected").asLong();
    }
    System.out.printf(
        "Imported %s into %s: %d accepted, %d rejected (%d duplicates removed from the file)%n",
        file, model, accepted, rejected, dataset.duplicatesRemoved());
    return rejected == 0 ? 0 : 1;
  }
}
