package dev.flywheel.slm.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The stored form of a converted base model: a zip of {@code base.json} (name, licence, source),
 * {@code config.json}, {@code tokenizer.json} and {@code model.safetensors}, every entry stored
 * uncompressed with a fixed time, so that the same base model always packs to the same bytes and
 * its sha256 is its identity.
 */
final class BaseModelPackage {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long FIXED_TIME = 315532800000L; // 1980-01-01, the zip epoch
  private static final List<String> ENTRIES =
      List.of("base.json", "config.json", "tokenizer.json", "model.safetensors");

  /** What a package says about itself, before its sha256 is known. */
  record Identity(String name, String licence, String source) {}

  private BaseModelPackage() {}

  static byte[] pack(
      Identity identity, BertConfig config, byte[] tokenizerJson, Map<String, Tensor> weights) {
    Map<String, Object> base = new LinkedHashMap<>();
    base.put("name", identity.name());
    base.put("architecture", "bert");
    base.put("licence", identity.licence());
    base.put("source", identity.source());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      entry(zip, "base.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(base));
      entry(zip, "config.json", config.toHuggingFace());
      entry(zip, "tokenizer.json", tokenizerJson);
      entry(
          zip,
          "model.safetensors",
          Safetensors.write(config.weightShapes().keySet().stream().map(weights::get).toList()));
    } catch (IOException e) {
      throw new IllegalStateException("cannot pack base model " + identity.name(), e);
    }
    return bytes.toByteArray();
  }

  private static void entry(ZipOutputStream zip, String name, byte[] content) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(ZipEntry.STORED);
    e.setTime(FIXED_TIME);
    e.setSize(content.length);
    e.setCompressedSize(content.length);
    CRC32 crc = new CRC32();
    crc.update(content);
    e.setCrc(crc.getValue());
    zip.putNextEntry(e);
    zip.write(content);
    zip.closeEntry();
  }

  /**
   * Unpacks a package whose sha256 has been checked.
   *
   * @throws WeightFormatException when an entry is missing or malformed
   */
  static BaseModel unpack(byte[] bytes, String sha256, String source) {
    Map<String, byte[]> entries = new HashMap<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
      ZipEntry e;
      while ((e = zip.getNextEntry()) != null) {
        entries.put(e.getName(), zip.readAllBytes());
      }
    } catch (IOException e) {
      throw new WeightFormatException(source + ": not a base-model package: " + e, e);
    }
    for (String name : ENTRIES) {
      if (!entries.containsKey(name)) {
        throw new WeightFormatException(source + ": base-model package lacks " + name);
      }
    }
    JsonNode base;
    try {
      base = JSON.readTree(entries.get("base.json"));
    } catch (IOException e) {
      throw new WeightFormatException(source + ": corrupt base.json", e);
    }
    BertConfig config =
        BertConfig.fromHuggingFace(entries.get("config.json"), source + "!config.json");
    Map<String, Tensor> weights =
        Safetensors.read(entries.get("model.safetensors"), source + "!model.safetensors");
    BaseModelCard card =
        new BaseModelCard(
            base.path("name").asText(),
            base.path("architecture").asText(),
            config.parameterCount(),
            base.path("licence").asText(),
            base.path("source").asText(),
            sha256,
            config.hiddenSize(),
            config.layers(),
            config.maxPositions());
    return new BaseModel(card, config, entries.get("tokenizer.json"), weights);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
