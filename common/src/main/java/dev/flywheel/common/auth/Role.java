package dev.flywheel.common.auth;

import java.util.Locale;

/** What an API key may do: {@code app} keys use the app routes, {@code admin} keys everything. */
public enum Role {
  APP,
  ADMIN;

  /** Parses {@code app} or {@code admin}, case-insensitive. */
  public static Role parse(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "app" -> APP;
      case "admin" -> ADMIN;
      default ->
          throw new IllegalArgumentException("role must be app or admin, not '" + text + "'");
    };
  }

  /** Whether this role may call an operation that needs {@code required}. */
  public boolean allows(Role required) {
    return this == ADMIN || required == APP;
  }
}
