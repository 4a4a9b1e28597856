package dev.flywheel.common.auth;

import java.util.Objects;

/** Who calls: the app id an API key maps to, and its role. */
public record Principal(String appId, Role role) {
  public Principal {
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(role, "role");
  }
}
