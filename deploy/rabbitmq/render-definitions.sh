#!/bin/sh
# Usage: render-definitions.sh SOURCE_DIR OUTPUT_DIR [COMMAND...]
# Writes the broker definitions to OUTPUT_DIR: the users and their rights (definitions.json) with their passwords
# taken from the environment, so no password is in a committed file or an image, and the topology (topology.json) as
# it is. Then runs COMMAND, if given (in docker-compose: the RabbitMQ image's own entrypoint, which loads OUTPUT_DIR at boot).
set -eu
source="$1" output="$2"
shift 2

for name in ALERTS_PRODUCER_PASSWORD ALERTS_FRONT_DOOR_AMQP_PASSWORD ALERTS_CONSUMER_PASSWORD ALERTS_OPERATOR_PASSWORD; do
  eval "value=\${$name:-}"
  case "$value" in
    '') echo "error: $name is not set" >&2; exit 2 ;;
    # Kept to characters that need no escaping in JSON or sed.
    *[!A-Za-z0-9._~-]*) echo "error: $name may hold only letters, digits and . _ ~ -" >&2; exit 2 ;;
  esac
done

(umask 077 && mkdir -p "$output" && sed \
  -e "s/\${ALERTS_PRODUCER_PASSWORD}/$ALERTS_PRODUCER_PASSWORD/" \
  -e "s/\${ALERTS_FRONT_DOOR_AMQP_PASSWORD}/$ALERTS_FRONT_DOOR_AMQP_PASSWORD/" \
  -e "s/\${ALERTS_CONSUMER_PASSWORD}/$ALERTS_CONSUMER_PASSWORD/" \
  -e "s/\${ALERTS_OPERATOR_PASSWORD}/$ALERTS_OPERATOR_PASSWORD/" \
  "$source/definitions.json" > "$output/definitions.json" && cp "$source/topology.json" "$output/topology.json")
# The image's entrypoint starts RabbitMQ as the rabbitmq user, which must read what root wrote.
if [ "$(id -u)" = 0 ] && id rabbitmq >/dev/null 2>&1; then chown -R rabbitmq "$output"; fi

if [ "$#" -gt 0 ]; then exec "$@"; fi
