#!/usr/bin/env bash
# The main job, end to end on this machine: starts the broker and the SMTP sink if needed, runs the critical and
# rate-limit consumers as two processes, publishes the book's four alerts, and checks each team got exactly its mail.
# Then the book's attacker: a storm of 5,000 alerts collapses into a few digests while a lone critical alert arrives at once.
# Last, one alert as Prometheus sends it, over HTTP to the front door (Alertmanager's API).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
local_dir="${ALERTS_LOCAL_DIR:-$root/.local}"
web="http://127.0.0.1:${ALERTS_SMTP_WEB_PORT:-5080}"
logs="$local_dir/demo"
# As the images run the services (see the Dockerfile): gen0 sized as on a common 32 MB L3, not from what a VM reports.
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x1000000}"
mkdir -p "$logs"

# jq reads the sink's API; Debian's pika publishes as the book's Python producer does.
if ! command -v jq >/dev/null || ! /usr/bin/python3 -c 'import pika' 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends jq python3-pika >/dev/null
fi

./scripts/broker.sh start
./scripts/smtp-sink.sh start
# shellcheck source=/dev/null
source "$local_dir/broker.env"
# shellcheck source=/dev/null
source "$local_dir/smtp.env"

echo "building…"
dotnet build Alerts.sln -c Release -nologo > "$logs/build.log" 2>&1 || { cat "$logs/build.log" >&2; exit 1; }
consumer="src/Alerts.Consumer/bin/Release/net10.0/Alerts.Consumer.dll"
producer="src/Alerts.Producer/bin/Release/net10.0/Alerts.Producer.dll"

consumer_pids=()
stop_consumers() { for pid in "${consumer_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
# The front door joins them at the end, and is stopped with them.
trap stop_consumers EXIT

# A clean mailbox, so what is counted is this run's mail only.
curl -fsS -X DELETE "$web/api/messages/*" >/dev/null

# The shipped grouping, with a 10-second group interval instead of a minute so that the storm's second digest comes soon.
for route in critical rate_limit; do
  env Alerts__Serve="$route" "Alerts__Routes__${route}__Grouping__GroupInterval=00:00:10" \
    dotnet "$consumer" > "$logs/$route-consumer.log" 2>&1 &
  consumer_pids+=("$!")
done

consumers_on() { ./scripts/broker.sh queues | awk -v queue="$1" '$1 == queue { print $3 }'; }
for route in critical rate_limit; do
  for _ in $(seq 1 60); do [[ "$(consumers_on "$route")" -ge 1 ]] && break; sleep 0.5; done
  [[ "$(consumers_on "$route")" -ge 1 ]] || { echo "the $route consumer did not start; see $logs/$route-consumer.log" >&2; exit 1; }
done
echo "consumers running: critical (pid ${consumer_pids[0]}), rate_limit (pid ${consumer_pids[1]}); logs in $logs"

echo
echo "publishing the book's alerts:"
for routing_key in critical.mywebapp critical.rate_limit warning.rate_limit info.mywebapp; do
  dotnet "$producer" -r "$routing_key" -m "Demo alert for $routing_key" --source demo | sed -E 's/ \{.*\}/ {…}/'
done
echo "and the book's own form, a bare JSON string, from Python (examples/alert_producer.py, pika):"
/usr/bin/python3 examples/alert_producer.py -r critical.mywebapp -m "Hacker at 10k req/s" --book-format

# The routing matrix of MISSION.md: routing key -> recipient.
expected="$(printf '%s\n' \
  "critical.mywebapp ops@example.com" \
  "critical.mywebapp ops@example.com" \
  "critical.rate_limit api@example.com" \
  "critical.rate_limit ops@example.com" \
  "warning.rate_limit api@example.com" | sort)"
expected_count="$(wc -l <<< "$expected")"

mail_count() { curl -fsS "$web/api/messages?pageSize=1" | jq '.rowCount'; }
for _ in $(seq 1 60); do [[ "$(mail_count)" -ge "$expected_count" ]] && break; sleep 0.5; done
# Then wait until the broker holds nothing in either queue, so a late, unexpected mail would be counted too.
for _ in $(seq 1 60); do
  [[ "$(./scripts/broker.sh queues | awk '$1 == "critical" || $1 == "rate_limit" { sum += $2 } END { print sum + 0 }')" == "0" ]] && break
  sleep 0.5
done

delivered="$(curl -fsS "$web/api/messages?pageSize=1000" | jq -r '.results[].id' | while read -r id; do
  curl -fsS "$web/api/messages/$id" | jq -r '[(.headers[] | select(.name == "X-Alert-Routing-Key") | .value), .deliveredTo[0], .subject] | @tsv'
done | sort)"

echo
echo "mail delivered (routing key, to, subject):"
awk -F'\t' '{ printf "  %-22s %-18s %s\n", $1, $2, $3 }' <<< "$delivered"
echo
echo "read them in the sink's web UI: $web"
echo "broker management UI: http://127.0.0.1:${ALERTS_MANAGEMENT_PORT:-15672} (user $RabbitMq__Username, password in $local_dir/broker.env)"

if [[ "$(cut -f1,2 <<< "$delivered" | tr '\t' ' ')" == "$expected" ]]; then
  echo "OK: every expected mail arrived, and no other (info.mywebapp reaches no route: it waits in the unrouted queue)"
else
  echo "FAILED: expected exactly:" >&2
  sed 's/^/  /' <<< "$expected" >&2
  exit 1
fi

echo
echo "a storm: 5,000 critical.rate_limit alerts from api-gateway, and one critical.db_down in the middle of it"
curl -fsS -X DELETE "$web/api/messages/*" >/dev/null
/usr/bin/python3 - <<'PY'
import json, os, uuid, pika
connection = pika.BlockingConnection(pika.ConnectionParameters(
    host=os.environ["RabbitMq__Host"], port=int(os.environ["RabbitMq__Port"]), virtual_host=os.environ["RabbitMq__VirtualHost"],
    credentials=pika.PlainCredentials(os.environ["RabbitMq__Username"], os.environ["RabbitMq__Password"])))
channel = connection.channel()
channel.confirm_delivery()
def publish(key, text, source):
    body = {"id": str(uuid.uuid4()), "text": text, "source": source}
    channel.basic_publish("alerts", key, json.dumps(body), pika.BasicProperties(content_type="application/json", delivery_mode=2))
import datetime
for i in range(5000):
    if i == 2500:
        publish("critical.db_down", "database down", "db-1")
        print(f"  critical.db_down published at {datetime.datetime.now(datetime.timezone.utc):%H:%M:%S.%f}"[:-3])
    publish("critical.rate_limit", f"Hacker at 10k req/s from 10.0.{i % 256}.{i % 7}", "api-gateway")
connection.close()
PY
# One line per mail: received at, to, alerts it accounts for, subject.
storm_mails() {
  curl -fsS "$web/api/messages?pageSize=1000" | jq -r '.results[].id' | while read -r id; do
    curl -fsS "$web/api/messages/$id" | jq -r '[.receivedDate, .deliveredTo[0], ((.headers[] | select(.name == "X-Alert-Count") | .value) // "1"), .subject] | @tsv'
  done | sort
}
accounted() { storm_mails | awk -F'\t' -v to="$1" '$2 == to { sum += $3 } END { print sum + 0 }'; }
for _ in $(seq 1 60); do
  [[ "$(accounted ops@example.com)" == 5001 && "$(accounted api@example.com)" == 5000 ]] && break
  sleep 1
done
echo "mail delivered for the storm (received at, to, alerts it accounts for, subject):"
storm_mails | awk -F'\t' '{ printf "  %s  %-18s %6s  %s\n", substr($1, 12, 12), $2, $3, $4 }'
if [[ "$(accounted ops@example.com)" == 5001 && "$(accounted api@example.com)" == 5000 ]]; then
  echo "OK: $(storm_mails | wc -l) mails account for all 10,001 deliveries (5,001 to operations, 5,000 to the API team)"
else
  echo "FAILED: the mails account for $(accounted ops@example.com) alerts to operations (5,001 expected) and $(accounted api@example.com) to the API team (5,000)" >&2
  exit 1
fi

echo
echo "over HTTP: Alertmanager's POST /api/v2/alerts, as Prometheus sends it, to the front door (Alerts.Producer serve)"
curl -fsS -X DELETE "$web/api/messages/*" >/dev/null
front_door="http://127.0.0.1:${ALERTS_FRONT_DOOR_PORT:-9093}"
token="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
oncall_password="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
Urls="$front_door" FrontDoor__BearerToken="$token" FrontDoor__Username=oncall FrontDoor__Password="$oncall_password" \
  dotnet "$producer" serve > "$logs/front-door.log" 2>&1 &
consumer_pids+=("$!")
for _ in $(seq 1 60); do curl -fsS "$front_door/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$front_door/api/v2/alerts" -d '[{
  "labels": {"alertname": "HighRequestRate", "severity": "critical", "instance": "web-1:9100", "job": "web"},
  "annotations": {"summary": "web-1 serves more than 10k requests/s"}, "startsAt": "'"$(date -u +%FT%TZ)"'"}]' \
  -w '  answered %{http_code}\n' -o /dev/null
for _ in $(seq 1 30); do [[ "$(mail_count)" -ge 1 ]] && break; sleep 0.5; done
http_mail="$(curl -fsS "$web/api/messages?pageSize=10" | jq -r '.results[0].id // empty')"
if [[ -n "$http_mail" ]] && curl -fsS "$web/api/messages/$http_mail" | jq -e '[.headers[] | select(.name == "X-Alert-Routing-Key") | .value] == ["critical.high_request_rate"]' >/dev/null; then
  echo "OK: mailed to $(curl -fsS "$web/api/messages/$http_mail" | jq -r '.deliveredTo[0]') as critical.high_request_rate"
else
  echo "FAILED: the HTTP alert was not mailed; see $logs/front-door.log" >&2
  exit 1
fi
if [[ "$(curl -fsS -u "oncall:$oncall_password" "$front_door/")" == *"<title>Alerts"* ]]; then
  echo "OK: the on-call page answers at $front_door/ (user oncall, password $oncall_password) (it stops with the demo)"
else
  echo "FAILED: the on-call page did not answer at $front_door/; see $logs/front-door.log" >&2
  exit 1
fi
