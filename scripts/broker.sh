#!/usr/bin/env bash
# Starts, stops or reports a local RabbitMQ (Debian's rabbitmq-server, installed when missing) on loopback,
# with its data under .local/rabbitmq, a dedicated alert_user on the 'alerts' virtual host, like the book's,
# and the deployment's topology (deploy/rabbitmq/topology.json), so start order no longer matters.
set -euo pipefail

usage() { echo "usage: $0 install|start|stop|reset|status|queues|env" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${ALERTS_LOCAL_DIR:-$root/.local}/rabbitmq"
amqp_port="${ALERTS_AMQP_PORT:-5672}"
management_port="${ALERTS_MANAGEMENT_PORT:-15672}"
node="alerts-${amqp_port}@localhost"
vhost="alerts"
user="alert_user"
rabbit_bin=/usr/lib/rabbitmq/bin

# The node, its cookie and its CLI tools all live in the data folder, away from any system broker. Every port it
# opens is on loopback: AMQP, management, epmd, and Erlang distribution (inet_dist_use_interface).
export HOME="$data" RABBITMQ_NODENAME="$node" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$amqp_port" \
  RABBITMQ_DIST_PORT="$((amqp_port + 20000))" RABBITMQ_MNESIA_BASE="$data/mnesia" RABBITMQ_LOG_BASE="$data/log" \
  RABBITMQ_CONFIG_FILE="$data/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$data/enabled_plugins" \
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
  ERL_EPMD_ADDRESS=127.0.0.1 ERL_CRASH_DUMP="$data/erl_crash.dump"

# The CLI tools write their Erlang cookie here on first use: the folder must exist before any of them runs.
mkdir -p "$data"

ctl() { "$rabbit_bin/rabbitmqctl" -n "$node" "$@"; }
is_running() { "$rabbit_bin/rabbitmq-diagnostics" -n "$node" -q ping >/dev/null 2>&1; }

install() {
  if [[ -x "$rabbit_bin/rabbitmq-server" ]]; then return; fi
  echo "installing Debian's rabbitmq-server…"
  apt-get update -qq
  # The package's own service is not wanted: this script runs the broker in a folder of its own.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
}

password() {
  local file="$data/$user.password"
  if [[ ! -s "$file" ]]; then
    mkdir -p "$data"
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$file")
  fi
  cat "$file"
}

write_env() {
  local env_file="${ALERTS_LOCAL_DIR:-$root/.local}/broker.env"
  (umask 077 && cat > "$env_file" <<ENV
export RabbitMq__Host=127.0.0.1
export RabbitMq__Port=$amqp_port
export RabbitMq__VirtualHost=$vhost
export RabbitMq__Username=$user
export RabbitMq__Password=$(password)
ENV
  )
  echo "$env_file"
}

start() {
  install
  if is_running; then
    echo "RabbitMQ node $node is already running on 127.0.0.1:$amqp_port"
  else
    mkdir -p "$data/log"
    cat > "$data/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$amqp_port
management.tcp.ip = 127.0.0.1
management.tcp.port = $management_port
max_message_size = 16777216
CONF
    echo '[rabbitmq_management].' > "$data/enabled_plugins"
    nohup "$rabbit_bin/rabbitmq-server" < /dev/null > "$data/log/server.out" 2>&1 &
    echo $! > "$data/server.pid"
    for _ in $(seq 1 90); do
      if is_running && ctl -q await_startup --timeout 5 >/dev/null 2>&1; then break; fi
      if ! kill -0 "$(cat "$data/server.pid")" 2>/dev/null; then
        echo "RabbitMQ failed to start; see $data/log/server.out" >&2; tail -20 "$data/log/server.out" >&2; exit 1
      fi
      sleep 1
    done
    is_running || { echo "RabbitMQ did not start within 90 s; see $data/log" >&2; exit 1; }
    echo "RabbitMQ node $node started on 127.0.0.1:$amqp_port (management http://127.0.0.1:$management_port)"
  fi

  # A dedicated user with rights on its own virtual host only; 'management' lets it log in to the web UI.
  ctl -q add_vhost "$vhost" 2>/dev/null || true
  # Read the whole list first: grep -q stops reading at its match, and under pipefail the CLI's broken pipe
  # would count as "no such user".
  grep -q "^$user\b" <<< "$(ctl -q list_users)" || ctl -q add_user "$user" "$(password)" >/dev/null
  ctl -q change_password "$user" "$(password)" >/dev/null
  ctl -q set_user_tags "$user" management >/dev/null
  ctl -q set_permissions -p "$vhost" "$user" '.*' '.*' '.*' >/dev/null
  # Exchanges, route queues, the unrouted queue and their policies, as compose and Kubernetes declare them.
  ctl -q import_definitions "$root/deploy/rabbitmq/topology.json" >/dev/null
  echo "user '$user' on virtual host '$vhost'; topology from deploy/rabbitmq/topology.json; settings for the services in $(write_env)"
}

stop() {
  if is_running; then
    ctl -q stop >/dev/null
    echo "RabbitMQ node $node stopped"
  else
    echo "RabbitMQ node $node is not running"
  fi
}

# Forgets every queue and message, for a clean start (or after changing Alerts:QueueType).
reset() {
  stop
  rm -rf "$data/mnesia" "$data/log"
  echo "RabbitMQ data in $data removed; './scripts/broker.sh start' begins anew"
}

status() {
  if is_running; then
    echo "RabbitMQ node $node is running on 127.0.0.1:$amqp_port (management http://127.0.0.1:$management_port)"
    ctl -q list_queues -p "$vhost" name messages consumers 2>/dev/null || true
  else
    echo "RabbitMQ node $node is not running"; return 1
  fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  reset) reset ;;
  status) status ;;
  queues) ctl -q list_queues -p "$vhost" name messages consumers ;;
  env) write_env ;;
  *) usage ;;
esac
