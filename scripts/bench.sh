#!/usr/bin/env bash
# Benchmarks the pipeline beside plain RabbitMQ.Client and MailKit on one broker in one run, and prints the tables.
# It starts its own broker (ports 5682/15682, data in .local/bench) so measurements never touch the demo's. Argument: alerts per run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export ALERTS_LOCAL_DIR="$root/.local/bench" ALERTS_AMQP_PORT="${ALERTS_BENCH_AMQP_PORT:-5682}" ALERTS_MANAGEMENT_PORT="${ALERTS_BENCH_MANAGEMENT_PORT:-15682}"
mkdir -p "$ALERTS_LOCAL_DIR"

# The book's Python producer, and Debian's Alertmanager as the front door's reference, are measured in the same run.
if ! /usr/bin/python3 -c 'import pika' 2>/dev/null || [[ ! -x /usr/bin/prometheus-alertmanager ]]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pika prometheus-alertmanager >/dev/null
fi
./scripts/broker.sh start
# shellcheck source=/dev/null
source "$ALERTS_LOCAL_DIR/broker.env"

dotnet build Alerts.sln -c Release -nologo -clp:ErrorsOnly
dotnet bench/Alerts.Benchmarks/bin/Release/net10.0/Alerts.Benchmarks.dll "${1:-20000}"
