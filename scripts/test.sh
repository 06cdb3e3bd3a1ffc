#!/usr/bin/env bash
# Runs every test on a fresh machine: installs RabbitMQ from Debian's packages when missing, builds once
# (warnings are errors), runs each test project, and ends with one line of totals across all of them.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
configuration="${CONFIGURATION:-Release}"
results="$root/.local/test-results"

# The integration tests start their own broker from this package, on free loopback ports.
./scripts/broker.sh install
# Debian's docker-compose also validates and resolves docker-compose.yml for the tests; scripts/containers.sh runs it.
# The book's Python producer (examples/alert_producer.py) publishes with Debian's pika, as a user's script would.
# Prometheus and amtool (prometheus-alertmanager) talk to the HTTP front door as they would to an Alertmanager.
# alertmanager-irc-relay takes a route's webhook and says its alerts in a channel of an IRC server, ngircd.
# chromium, driven through chromium-driver, opens the on-call page as an engineer's browser does.
if ! command -v docker-compose >/dev/null || ! /usr/bin/python3 -c 'import pika' 2>/dev/null \
  || ! command -v prometheus >/dev/null || ! command -v amtool >/dev/null \
  || ! command -v alertmanager-irc-relay >/dev/null || ! command -v ngircd >/dev/null \
  || ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "installing Debian's docker-compose, python3-pika, prometheus, prometheus-alertmanager, alertmanager-irc-relay, ngircd, chromium and chromium-driver…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker-compose python3-pika prometheus prometheus-alertmanager alertmanager-irc-relay ngircd chromium chromium-driver >/dev/null
fi

dotnet build Alerts.sln -c "$configuration" -nologo -clp:ErrorsOnly

rm -rf "$results" && mkdir -p "$results"
status=0
# Every test project; tests/Alerts.TestSupport is a library they share.
for project in $(grep -l '<IsTestProject>true</IsTestProject>' tests/*/*.csproj); do
  name="$(basename "$project" .csproj)"
  echo "== $name"
  # A test that hangs (a wait without a deadline) is stopped with a dump instead of holding CI for 90 minutes.
  dotnet test "$project" -c "$configuration" --no-build -nologo --blame-hang-timeout 5m \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" || status=1
  if [[ ! -s "$results/$name.trx" ]]; then
    echo "$name left no results: it did not run to its end" >&2
    status=1
  fi
done

# The images built and docker-compose.yml run in containers (podman, on local stand-ins for the registry images):
# each "ok:" line it prints is a passed test, a "FAILED:" line a failed one.
echo "== containers (scripts/containers.sh)"
./scripts/containers.sh 2>&1 | tee "$results/containers.log" || status=1

# Totals from every project's TRX report: <Counters total=".." passed=".." failed=".." notExecuted=".." …/>
totals="$(cat "$results"/*.trx 2>/dev/null | grep -o '<Counters [^>]*' | awk '
  { for (i = 2; i <= NF; i++) { split($i, pair, "="); gsub(/"/, "", pair[2]); sum[pair[1]] += pair[2] } }
  END { printf "%d %d %d", sum["passed"], sum["failed"] + sum["error"] + sum["timeout"] + sum["aborted"], sum["notExecuted"] }')" || true
read -r passed failed skipped <<< "${totals:-0 0 0}"
passed=$((passed + $(grep -c '^ok: ' "$results/containers.log" || true)))
failed=$((failed + $(grep -c '^FAILED: ' "$results/containers.log" || true)))
if [[ "$status" -ne 0 && "$failed" -eq 0 ]]; then failed=1; fi

echo "$passed passed, $failed failed, $skipped skipped"
[[ "$failed" -eq 0 && "$status" -eq 0 ]]
