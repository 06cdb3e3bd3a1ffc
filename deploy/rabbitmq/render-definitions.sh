#!/bin/sh
# Usage: render-definitions.sh TEMPLATE OUTPUT [COMMAND...]
# Writes the broker definitions (the alerts virtual host, its users and their rights) with the users'
# passwords taken from the environment, so no password is in a committed file or an image; then runs
# COMMAND, if given (in docker-compose: the RabbitMQ image's own entrypoint, which loads OUTPUT at boot).
set -eu
template="$1" output="$2"
shift 2

for name in ALERTS_PRODUCER_PASSWORD ALERTS_CONSUMER_PASSWORD ALERTS_OPERATOR_PASSWORD; do
  eval "value=\${$name:-}"
  case "$value" in
    '') echo "error: $name is not set" >&2; exit 2 ;;
    # Kept to characters that need no escaping in JSON or sed.
    *[!A-Za-z0-9._~-]*) echo "error: $name may hold only letters, digits and . _ ~ -" >&2; exit 2 ;;
  esac
done

(umask 077 && sed \
  -e "s/\${ALERTS_PRODUCER_PASSWORD}/$ALERTS_PRODUCER_PASSWORD/" \
  -e "s/\${ALERTS_CONSUMER_PASSWORD}/$ALERTS_CONSUMER_PASSWORD/" \
  -e "s/\${ALERTS_OPERATOR_PASSWORD}/$ALERTS_OPERATOR_PASSWORD/" \
  "$template" > "$output")
# The image's entrypoint starts RabbitMQ as the rabbitmq user, which must read what root wrote.
if [ "$(id -u)" = 0 ] && id rabbitmq >/dev/null 2>&1; then chown rabbitmq "$output"; fi

if [ "$#" -gt 0 ]; then exec "$@"; fi
