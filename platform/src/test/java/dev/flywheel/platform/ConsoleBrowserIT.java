package dev.flywheel.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.flywheel.slm.Example;
import dev.flywheel.slm.data.WordNetTopics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.devtools.DevTools;
import org.openqa.selenium.devtools.v156.emulation.Emulation;
import org.openqa.selenium.devtools.v156.emulation.model.MediaFeature;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (Debian's headless Chromium driven by Selenium) on the embedded
 * platform: the key, the model list, a model with its released version and gate checks, Try it with
 * a correction that shows up in the feedback count, a retrain from the admin view that appears
 * without a reload, the release timeline and the API page; a screenshot of each page under {@code
 * target/console-screenshots}, and no browser console error on any page.
 */
class ConsoleBrowserIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final String MODEL = "console-topics";
  private static final Path SHOTS = Path.of("target", "console-screenshots");

  @TempDir Path dataDir;

  private ChromeDriver driver;
  private final List<String> consoleErrors = new ArrayList<>();

  @Test
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void shouldShowTheLoopInTheBrowserFromTheModelListToANewVersion() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "no Chromium here: install the Debian packages chromium and chromium-driver"
            + " (apt-get install chromium chromium-driver) to run the browser tests");
    Files.createDirectories(SHOTS);
    try (Platform platform = Platform.start(PlatformSettings.forDemo(dataDir))) {
      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      platform.printEndpoints(new PrintStream(printed, true, StandardCharsets.UTF_8));
      assertThat(printed.toString(StandardCharsets.UTF_8).lines().skip(1).findFirst())
          .as("the console's URL is the first endpoint printed")
          .hasValueSatisfying(line -> assertThat(line).contains("console", platform.consoleUrl()));
      ApiClient admin = new ApiClient(platform.apiUrl(), platform.adminKey());
      seedAndWaitForTheFirstRelease(platform, admin);
      driver = startChromium();
      try {
        browse(platform);
      } finally {
        driver.quit();
      }
    }
  }

  private void browse(Platform platform) throws Exception {
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
    driver.get(platform.consoleUrl());
    long weight = firstLoadBytes();
    System.out.printf("Console first load: %d bytes transferred (compressed)%n", weight);
    assertThat(weight).as("first-load page weight").isLessThan(500_000);

    // The key, then the model list.
    enterKey(wait, platform.appKey());
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#models tr[data-model='" + MODEL + "']")));
    wait.until(d -> cell(MODEL, 2).equals("v1"));
    screenshot("models");
    noConsoleErrors("models");

    // A model: its released version and the gate's checks.
    driver.findElement(By.linkText(MODEL)).click();
    WebElement released =
        wait.until(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#versions tr[data-state='released']")));
    assertThat(released.findElements(By.cssSelector("li[data-check]"))).isNotEmpty();
    assertThat(released.getText()).contains("min_accuracy");
    released.findElement(By.cssSelector("th button")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("model-card")));
    assertThat(driver.findElement(By.id("model-card")).getText()).contains("offsets");
    WebElement confusion =
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("confusion")));
    assertThat(confusion.findElements(By.cssSelector("td.diagonal"))).isNotEmpty();
    screenshot("model");
    ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView()", confusion);
    screenshot("model-confusion");
    noConsoleErrors("model");

    // Try it: a prediction, a correction, the feedback count rising.
    driver.findElement(By.linkText("Try it")).click();
    WebElement text = wait.until(ExpectedConditions.elementToBeClickable(By.id("try-text")));
    text.sendKeys("a small domesticated carnivore kept as a pet");
    driver.findElement(By.cssSelector("#try-form button[type='submit']")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("predicted-label")));
    wait.until(d -> d.findElement(By.id("feedback-count")).getText().matches("[0-9,]+"));
    long before = count(driver.findElement(By.id("feedback-count")).getText());
    new Select(driver.findElement(By.id("correction"))).selectByIndex(0);
    driver.findElement(By.id("send-correction")).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("feedback-status"), "accepted"));
    new WebDriverWait(driver, Duration.ofSeconds(90))
        .until(d -> count(d.findElement(By.id("feedback-count")).getText()) > before);
    screenshot("try-it");
    noConsoleErrors("try it");

    // Bad input: the API's message next to the field.
    text.clear();
    text.sendKeys("\u200b\u200b");
    driver.findElement(By.cssSelector("#try-form button[type='submit']")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("try-error"), "visible"));
    assertThat(text.getAttribute("aria-invalid")).isEqualTo("true");
    screenshot("try-it-bad-input");
    noConsoleErrors(
        "try it, bad input", e -> e.contains("/predict") && e.contains("400 (Bad Request)"));

    // The release timeline, live over SSE.
    driver.findElement(By.linkText("Releases")).click();
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#timeline li[data-model='" + MODEL + "']")));
    wait.until(ExpectedConditions.textToBe(By.id("stream-state"), "live"));
    screenshot("releases");
    noConsoleErrors("releases");

    // The API page: swagger-ui renders the contract.
    driver.findElement(By.linkText("API")).click();
    new WebDriverWait(driver, Duration.ofSeconds(60))
        .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".opblock")));
    screenshot("api");
    noConsoleErrors("api");

    // Admin: retrain, watch the progress, see the new version without reloading.
    driver.get(platform.apiUrl() + "/");
    driver.findElement(By.cssSelector("#who button")).click();
    enterKey(wait, platform.adminKey());
    driver.get(platform.apiUrl() + "/#/models/" + MODEL);
    wait.until(ExpectedConditions.elementToBeClickable(By.id("retrain")));
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#versions tr[data-state='released']")));
    ((JavascriptExecutor) driver).executeScript("window.flywheelNoReload = true;");
    driver.findElement(By.id("retrain")).click();
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("admin-status"), "requested"));
    WebDriverWait training = new WebDriverWait(driver, Duration.ofMinutes(4));
    training.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("training-status"), "v2"));
    screenshot("model-training");
    training.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#versions tr[data-version='2']")));
    assertThat(((JavascriptExecutor) driver).executeScript("return window.flywheelNoReload"))
        .as("the page was not reloaded")
        .isEqualTo(true);
    screenshot("model-admin");
    noConsoleErrors("model, admin");

    // Phone width and dark mode.
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
    screenshot("model-phone");
    DevTools devTools = driver.getDevTools();
    devTools.createSession();
    devTools.send(
        Emulation.setEmulatedMedia(
            Optional.empty(),
            Optional.of(List.of(new MediaFeature("prefers-color-scheme", "dark")))));
    driver.navigate().refresh();
    wait.until(
        ExpectedConditions.presenceOfElementLocated(By.cssSelector("#versions tr[data-version]")));
    screenshot("model-phone-dark");
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 800));
    driver.get(platform.apiUrl() + "/#/models");
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#models tr[data-model='" + MODEL + "']")));
    screenshot("models-dark");
    noConsoleErrors("dark");
  }

  private void seedAndWaitForTheFirstRelease(Platform platform, ApiClient admin) throws Exception {
    List<Example> dataset = WordNetTopics.load(WordNetTopics.Variant.TOPICS_8);
    List<String> labels = WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8);
    Map<String, Object> spec =
        Map.of(
            "labels",
            labels,
            "architecture",
            "bag",
            "hyperparameters",
            Map.of("bigramBuckets", 4096, "epochs", 6),
            "holdout_share",
            0.2,
            "description",
            "The console's browser test",
            "trigger",
            Map.of("min_new_examples", 250, "cooldown_millis", 5000),
            "gate",
            Map.of(
                "min_accuracy", 0.3,
                "require_significance", false,
                "max_accuracy_regression", 0.5,
                "max_label_recall_regression", 1.0,
                "rollback_enabled", false));
    AppSimulator app =
        new AppSimulator(
            new ApiClient(platform.apiUrl(), platform.appKey()),
            admin,
            MODEL,
            spec,
            dataset,
            labels,
            new AppSimulator.Behaviour(1, 0.0, 0.0, 5, 400));
    app.setUp();
    await()
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                admin.get("/v1/models/" + MODEL).body().path("champion").path("version").asInt()
                    >= 1);
  }

  private ChromeDriver startChromium() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,800",
        "--lang=en-US");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    return new ChromeDriver(service, options);
  }

  private void enterKey(WebDriverWait wait, String key) {
    WebElement input = wait.until(ExpectedConditions.elementToBeClickable(By.id("key")));
    input.sendKeys(key);
    driver.findElement(By.cssSelector("#key-form button[type='submit']")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#who [data-role]")));
  }

  private String cell(String model, int column) {
    return driver
        .findElement(By.cssSelector("#models tr[data-model='" + model + "']"))
        .findElements(By.cssSelector("th, td"))
        .get(column)
        .getText();
  }

  private static long count(String text) {
    return Long.parseLong(text.replaceAll("[^0-9]", ""));
  }

  /**
   * The bytes the first load transferred (every file, compressed), from the Resource Timing API.
   */
  private long firstLoadBytes() {
    new WebDriverWait(driver, Duration.ofSeconds(30))
        .until(
            d ->
                "complete"
                    .equals(((JavascriptExecutor) d).executeScript("return document.readyState")));
    Object bytes =
        ((JavascriptExecutor) driver)
            .executeScript(
                "const nav = performance.getEntriesByType('navigation')[0];"
                    + "return nav.transferSize + performance.getEntriesByType('resource')"
                    + ".filter(r => r.initiatorType !== 'fetch')"
                    + ".reduce((sum, r) => sum + r.transferSize, 0);");
    return ((Number) bytes).longValue();
  }

  private void screenshot(String name) throws Exception {
    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    Files.write(SHOTS.resolve(name + ".png"), png);
  }

  /** Fails on any error the browser logged (script errors, CSP violations, failed loads). */
  private void noConsoleErrors(String page) {
    noConsoleErrors(page, e -> false);
  }

  /** As {@link #noConsoleErrors(String)}, but {@code expected} errors are allowed. */
  private void noConsoleErrors(String page, java.util.function.Predicate<String> expected) {
    for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
      if (entry.getLevel().intValue() >= Level.SEVERE.intValue()
          && !expected.test(entry.getMessage())) {
        consoleErrors.add(entry.getMessage());
      }
    }
    assertThat(consoleErrors).as("browser console errors on %s", page).isEmpty();
  }
}
