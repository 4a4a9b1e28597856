package dev.flywheel.ingest;

import java.util.Objects;

/** Who calls: the app id an API key maps to, and its role. */
record Principal(String appId, Role role) {
  Principal {
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(role, "role");
  }
}
