#!/bin/bash
# The images' HEALTHCHECK: GET http://127.0.0.1:<port>/health/live (or the path given) must answer
# 200. Plain bash (/dev/tcp), so the JRE image needs no curl or wget.
#   flywheel-healthcheck <management-port> [path]
set -euo pipefail
port="${1:?usage: flywheel-healthcheck <management-port> [path]}"
path="${2:-/health/live}"
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 5 status <&3 || status=""
exec 3<&-
case "$status" in
  "HTTP/1."?" 200"*) exit 0 ;;
  *) echo "unhealthy: ${status:-no answer} from :${port}${path}" >&2; exit 1 ;;
esac
