#!/usr/bin/env bash
# Builds the images and runs docker-compose.yml for real on this machine, then proves what a deployment must do, one
# line each ("ok: …"). The engine is Debian's podman as root, driven by Debian's docker-compose through podman's
# Docker-compatible API; images from registries are replaced by local stand-ins (deploy/stand-ins/Containerfile),
# since no registry is reachable here. Exits non-zero at the first failure ("FAILED: …"), and always tears down the
# containers, network and volume it started; the images stay, as the next run's build cache.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="${ALERTS_LOCAL_DIR:-$root/.local}/containers"
project=alerts-containers
started=$SECONDS
trap 'echo "FAILED: $BASH_COMMAND (line $LINENO)" >&2' ERR

ok() { echo "ok: $*"; }
fail() {
  echo "FAILED: $*" >&2
  compose ps >&2 || true
  exit 1
}

install_tools() {
  if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v docker-compose >/dev/null \
    || ! command -v debootstrap >/dev/null || ! command -v jq >/dev/null || ! command -v curl >/dev/null; then
    echo "installing Debian's podman, runc, docker-compose, debootstrap, jq and curl…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc docker-compose debootstrap jq curl >/dev/null
  fi
}

# Podman reads this file instead of /etc/containers/containers.conf, so nothing of the machine's is changed.
# runc, not crun: crun refuses the hybrid cgroup v1/v2 layout some hosts have. No default rlimits: some sandboxes
# refuse to let a container set them ("error setting rlimit type 7: operation not permitted").
configure_podman() {
  mkdir -p "$work"
  cat > "$work/containers.conf" <<'CONF'
[containers]
default_ulimits = []

[engine]
runtime = "runc"
CONF
  export CONTAINERS_CONF="$work/containers.conf"
}

# A Debian root file system made from Debian's packages, trimmed as debian:bookworm-slim is, as every stand-in's base.
base_image() {
  if podman image exists localhost/alerts-debian:bookworm; then return; fi
  echo "making a Debian bookworm root file system (debootstrap)…"
  local rootfs="$work/rootfs"
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || fail "debootstrap failed: see $work/debootstrap.log"
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' 'path-exclude /usr/share/man/*' \
    'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' > "$rootfs/etc/dpkg/dpkg.cfg.d/slim"
  printf '%s\n' 'APT::Install-Recommends "false";' 'APT::Install-Suggests "false";' > "$rootfs/etc/apt/apt.conf.d/slim"
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$rootfs"/usr/share/{man,info,locale}/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
  tar -C "$rootfs" -c . | podman import --quiet - localhost/alerts-debian:bookworm >/dev/null
  rm -rf "$rootfs"
}

build_images() {
  echo "building the stand-in images…"
  local context="$work/stand-in-context" dotnet_root
  dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  rm -rf "$context" && mkdir -p "$context/ca-certificates"
  cp -al "$dotnet_root" "$context/dotnet" 2>/dev/null || cp -a "$dotnet_root" "$context/dotnet"
  cp /usr/local/share/ca-certificates/*.crt "$context/ca-certificates/" 2>/dev/null || true
  local target tag
  for target in sdk:dotnet-sdk:10.0 aspnet:dotnet-aspnet:10.0 rabbitmq:rabbitmq:3.10-management smtp4dev:smtp4dev:3.15; do
    tag="localhost/alerts-stand-in/${target#*:}"
    podman build --quiet --format docker -f deploy/stand-ins/Containerfile --target "${target%%:*}" -t "$tag" "$context" \
      >"$work/build.log" 2>&1 || fail "building $tag failed: see $work/build.log"
  done
  rm -rf "$context"

  echo "building alerts-consumer:local and alerts-producer:local from the Dockerfile…"
  for target in consumer producer; do
    podman build --quiet --format docker -t "alerts-$target:local" --target "$target" \
      --build-arg SDK_IMAGE=localhost/alerts-stand-in/dotnet-sdk:10.0 \
      --build-arg ASPNET_IMAGE=localhost/alerts-stand-in/dotnet-aspnet:10.0 . >"$work/build.log" 2>&1 \
      || fail "building alerts-$target:local failed: see $work/build.log"
  done
}

start_engine() {
  podman system service --time=0 "unix://$work/podman.sock" >"$work/podman-service.log" 2>&1 &
  engine=$!
  export DOCKER_HOST="unix://$work/podman.sock"
  for _ in $(seq 1 50); do
    curl -fsS --unix-socket "$work/podman.sock" http://podman/_ping >/dev/null 2>&1 && break
    sleep 0.2
  done
  # Podman runs health checks on systemd timers, and there is no systemd here: this loop is the timer, at the 10 s
  # interval every long-running service in docker-compose.yml declares (each .NET check starts a process: on two cores,
  # checking more often than production would take CPU from what is measured).
  (while sleep 10; do
    for container in $(podman ps -q --filter "label=com.docker.compose.project=$project"); do
      podman healthcheck run "$container" >/dev/null 2>&1 || true
    done
  done) &
  health_timer=$!
}

compose() { docker-compose -p "$project" "$@"; }

tear_down() {
  local status=$?
  if [[ -n "${engine:-}" ]]; then
    compose down --volumes --remove-orphans --timeout 30 >"$work/down.log" 2>&1 || echo "tearing down failed: see $work/down.log" >&2
    kill "$health_timer" "$engine" 2>/dev/null || true
  fi
  echo "containers.sh took $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
  exit "$status"
}

# Names of the project's running containers of a service (all services without one), one a line.
containers() {
  podman ps --filter "label=com.docker.compose.project=$project" ${1:+--filter "label=com.docker.compose.service=$1"} \
    --format '{{.Names}}' | sort
}

# Waits until COUNT containers of the project run and every one of them is healthy.
wait_healthy() {
  local count="$1" deadline=$((SECONDS + 180)) unhealthy
  while true; do
    unhealthy="$(containers | grep -v '_run_' | while read -r name; do
      [[ "$(podman inspect --format '{{.State.Health.Status}}' "$name" 2>/dev/null)" == healthy ]] || echo "$name"
    done)" || true
    if [[ -z "$unhealthy" && "$(containers | grep -vc '_run_')" -eq "$count" ]]; then return; fi
    if ((SECONDS > deadline)); then fail "not healthy after 3 minutes: ${unhealthy:-fewer than $count containers}"; fi
    sleep 1
  done
}

# Waits until the management API says QUEUE holds COUNT messages (its figures are up to 5 s old); fails if it never does.
wait_queue() {
  local queue="$1" count="$2" deadline=$((SECONDS + 30)) messages
  while true; do
    messages="$(curl -fsS -u "alerts_operator:$ALERTS_OPERATOR_PASSWORD" "$management/api/queues/alerts/$queue" \
      | jq '.messages // 0')" || messages="?"
    if [[ "$messages" == "$count" ]]; then return; fi
    if ((SECONDS > deadline)); then fail "$queue holds $messages messages, not $count; $3"; fi
    sleep 1
  done
}

clear_mails() { curl -fsS -X DELETE "$sink/api/messages/*" >/dev/null; }

# The mails whose group is of alerts of TYPE, one line each: recipient and the number of alerts it accounts for.
mails_of_type() {
  curl -fsS "$sink/api/messages?pageSize=10000" | jq -r '.results[].id' | while read -r id; do
    curl -fsS "$sink/api/messages/$id" | jq -r --arg type "type=\"$1\"" '
      select(any(.headers[]; .name == "X-Alert-Group" and (.value | contains($type))))
      | [.deliveredTo[0], ((.headers[] | select(.name == "X-Alert-Count") | .value) // "1")] | @tsv'
  done
}

# Waits until the mails for alerts of TYPE account for at least COUNT; prints how many they account for.
wait_mailed() {
  local type="$1" count="$2" deadline=$((SECONDS + ${3:-120})) mailed=0
  while ((SECONDS < deadline)); do
    mailed="$(mails_of_type "$type" | awk -F'\t' '{ sum += $2 } END { print sum + 0 }')" || mailed=0
    if ((mailed >= count)); then echo "$mailed"; return; fi
    sleep 2
  done
  echo "$mailed"
}

# POSTs COUNT alerts with ROUTING_KEY to the front door's /api/alerts, BATCH an request, PAUSE seconds apart.
publish_over_http() {
  local routing_key="$1" count="$2" batch="$3" pause="$4" sent=0
  while ((sent < count)); do
    jq -cn --arg key "$routing_key" --argjson from "$sent" --argjson n "$batch" \
      '[range($from; $from + $n) | { routingKey: $key, text: "alert \(.)", source: "containers.sh" }]' \
      | curl -fsS -o /dev/null -H "Authorization: Bearer $ALERTS_FRONT_DOOR_TOKEN" -H 'Content-Type: application/json' \
        --data-binary @- "$front_door/api/alerts" || return 1
    sent=$((sent + batch))
    sleep "$pause"
  done
}

# Alerts the critical route's intake took, by replica: name and alerts_received_total.
received_by_replica() {
  local name address
  for name in $(containers critical-consumer); do
    address="$(podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name")"
    printf '%s\t%s\n' "$name" "$(curl -fsS --max-time 5 "http://$address:8080/metrics" \
      | awk '/^alerts_received_total\{.*route="critical"/ { sum += $NF } END { print sum + 0 }')"
  done
}

# Each running container's memory now (podman stats) and at its peak (its cgroup's high-water mark, v1 or v2).
memory_by_container() {
  local name path peak
  for name in $(containers); do
    path="$(podman inspect --format '{{.State.CgroupPath}}' "$name")"
    peak="$(cat "/sys/fs/cgroup/memory$path/memory.max_usage_in_bytes" "/sys/fs/cgroup$path/memory.peak" 2>/dev/null)" || true
    printf '%s\t%s\t%s MB\n' "$name" "$(podman stats --no-stream --format '{{.MemUsage}}' "$name" | cut -d/ -f1)" \
      "$(( ${peak:-0} / 1000000 ))"
  done | awk -F'\t' '{ printf "  %-40s %10s  %6s\n", $1, $2, $3 }'
}

# The host ports docker-compose.yml publishes on loopback: its defaults, or the next free one where something (a local
# broker from broker.sh, say) already listens.
publish_port() {
  local name="$1" port="$2"
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  if [[ "$port" != "$2" ]]; then echo "127.0.0.1:$2 is taken: $name=$port"; fi
  export "$name=$port"
}
publish_port ALERTS_AMQP_PORT 5672
publish_port ALERTS_MANAGEMENT_PORT 15672
publish_port ALERTS_SMTP_WEB_PORT 5080
publish_port ALERTS_FRONT_DOOR_PORT 9093
sink="http://127.0.0.1:$ALERTS_SMTP_WEB_PORT"
management="http://127.0.0.1:$ALERTS_MANAGEMENT_PORT"
front_door="http://127.0.0.1:$ALERTS_FRONT_DOOR_PORT"

install_tools
configure_podman
base_image
build_images
trap tear_down EXIT
start_engine

# Passwords of this run only; the environment wins over a .env file beside docker-compose.yml.
secret() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
export ALERTS_PRODUCER_PASSWORD="$(secret)" ALERTS_CONSUMER_PASSWORD="$(secret)" ALERTS_OPERATOR_PASSWORD="$(secret)" \
  ALERTS_FRONT_DOOR_AMQP_PASSWORD="$(secret)" ALERTS_FRONT_DOOR_TOKEN="$(secret)" ALERTS_ONCALL_PASSWORD="$(secret)" \
  ALERTS_RABBITMQ_IMAGE=localhost/alerts-stand-in/rabbitmq:3.10-management \
  ALERTS_SMTP_SINK_IMAGE=localhost/alerts-stand-in/smtp4dev:3.15

echo "starting docker-compose.yml…"
up_started=$SECONDS
compose up -d --no-build >"$work/up.log" 2>&1 || fail "docker-compose up failed: $(tail -3 "$work/up.log")"
wait_healthy 6
ok "every service healthy $((SECONDS - up_started)) s after 'up': $(containers | tr '\n' ' ')"
for image in alerts-consumer:local alerts-producer:local; do
  user="$(podman image inspect --format '{{.Config.User}}' "$image")"
  [[ -n "$user" && "$user" != 0 && "$user" != root ]] || fail "$image runs as root (USER '$user')"
done
ok "alerts-consumer:local and alerts-producer:local run as user $user, not root"

# 1. The book's alert, from the producer's own container: one alert, the two teams whose patterns match it.
compose run --rm -T producer -r critical.rate_limit -m "Hacker at 10k req/s" >"$work/run.log" 2>&1 \
  || fail "compose run producer failed: $(tail -3 "$work/run.log")"
mailed="$(wait_mailed rate_limit 2 30)"
teams="$(mails_of_type rate_limit | cut -f1 | sort | tr '\n' ' ')"
[[ "$teams" == "api@example.com ops@example.com " ]] || fail "critical.rate_limit was mailed to '$teams', not the operations and API teams"
ok "'compose run producer -r critical.rate_limit' mailed to $teams(nowhere else)"

# 2. Four replicas on one queue: each takes a share, and the mails account for every alert.
compose up -d --no-build --scale critical-consumer=4 >"$work/up.log" 2>&1 || fail "scaling failed: $(tail -3 "$work/up.log")"
wait_healthy 8
clear_mails
before="$(received_by_replica)"
publish_over_http critical.scale_check 200 10 0.05 || fail "the front door refused alerts"
mailed="$(wait_mailed scale_check 200)"
shares="$(join -t $'\t' <(echo "$before") <(received_by_replica) | awk -F'\t' '{ print $3 - $2 }' | tr '\n' ' ')"
[[ "$mailed" -eq 200 ]] || fail "4 replicas: mails account for $mailed of 200 alerts"
for share in $shares; do [[ "$share" -gt 0 ]] || fail "4 replicas: one took none of the 200 alerts (shares: $shares)"; done
ok "--scale critical-consumer=4: four replicas took ${shares% } of 200 alerts; the mails account for all 200"

# 3. A replica's process killed (SIGKILL from the host: a crash, not a stop) while 2,000 alerts stream in: nothing is
#    lost, and the restart policy brings the replica back.
clear_mails
victim="$(containers critical-consumer | head -1)"
stream_started=$SECONDS
publish_over_http critical.kill_check 2000 50 0.05 &
publisher=$!
sleep 1
kill -KILL "$(podman inspect --format '{{.State.Pid}}' "$victim")"
wait "$publisher" || fail "the front door refused alerts while a consumer was killed"
stream_seconds=$((SECONDS - stream_started))
mailed="$(wait_mailed kill_check 2000)"
[[ "$mailed" -ge 2000 ]] || fail "after killing $victim: mails account for $mailed of 2,000 alerts"
for queue in critical critical.digest critical_error; do wait_queue "$queue" 0 "after killing $victim"; done
wait_healthy 8
memory="$(memory_by_container)"
ok "$victim killed 1 s into a ${stream_seconds} s stream: the mails account for $mailed of 2,000 alerts ($((mailed - 2000)) counted twice); queues empty, nothing parked; restarted healthy by its restart policy"

# 4. 'down' and 'up': an alert waiting in a queue when the broker's container is removed is mailed after 'up'.
compose stop rate-limit-consumer >/dev/null 2>&1
compose run --rm -T producer -r warning.rate_limit -m "kept across down and up" >"$work/run.log" 2>&1 \
  || fail "compose run producer failed: $(tail -3 "$work/run.log")"
wait_queue rate_limit 1 "the alert should wait there for 'down'"
compose down --timeout 30 >"$work/down.log" 2>&1 || fail "docker-compose down failed: $(tail -3 "$work/down.log")"
up_started=$SECONDS
compose up -d --no-build >"$work/up.log" 2>&1 || fail "docker-compose up failed: $(tail -3 "$work/up.log")"
wait_healthy 6
healthy_again=$((SECONDS - up_started))
mailed="$(wait_mailed rate_limit 1 60)"
kept="$(curl -fsS "$sink/api/messages?pageSize=10" | jq -r '.results[].id' | while read -r id; do
  curl -fsS "$sink/api/messages/$id/source"; done | grep -c 'kept across down and up')" || kept=0
[[ "$mailed" -ge 1 && "$kept" -ge 1 ]] || fail "the alert queued before 'down' was not mailed after 'up' (the broker's data is gone?)"
ok "'down' and 'up' (healthy again in $healthy_again s): the alert queued before 'down' was mailed after 'up'"

# 5. The HTTP front door through its published port: Prometheus's shape, and no entry without the token.
clear_mails
alert='[{"labels":{"alertname":"DiskFull","severity":"critical","instance":"db-1"},"annotations":{"summary":"Disk full on db-1"}}]'
status="$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$alert" "$front_door/api/v2/alerts")"
[[ "$status" == 401 ]] || fail "the front door answered $status to a request without its token, not 401"
curl -fsS -o /dev/null -H "Authorization: Bearer $ALERTS_FRONT_DOOR_TOKEN" -H 'Content-Type: application/json' -d "$alert" \
  "$front_door/api/v2/alerts" || fail "the front door refused an Alertmanager-shaped alert"
mailed="$(wait_mailed disk_full 1 30)"
[[ "$mailed" -eq 1 && "$(mails_of_type disk_full | cut -f1)" == ops@example.com ]] \
  || fail "the alert posted to $front_door/api/v2/alerts was not mailed to the operations team"
ok "the front door on $front_door took POST /api/v2/alerts (401 without its token); mailed to ops@example.com"

# 6. The on-call page behind basic authentication, and what it shows of the parked queues with the front door's own broker user.
status="$(curl -sS -o /dev/null -w '%{http_code}' "$front_door/")"
[[ "$status" == 401 ]] || fail "the on-call page answered $status without a password, not 401"
[[ "$(curl -fsS -u "oncall:$ALERTS_ONCALL_PASSWORD" "$front_door/")" == *"<title>Alerts"* ]] || fail "the on-call page did not answer with the password"
routes="$(curl -fsS -u "oncall:$ALERTS_ONCALL_PASSWORD" "$front_door/api/parked" | jq -r '[.routes[].route] | sort | join(",")')" \
  || fail "the front door could not count the parked alerts: $(compose logs --tail 5 front-door 2>&1 | tail -3)"
[[ "$routes" == "critical,rate_limit" ]] || fail "the page's parked view listed routes '$routes', not critical,rate_limit"
ok "the on-call page on $front_door/ (401 without a password) counts what routes critical and rate_limit parked"

echo
echo "images:"
podman images --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep -E 'alerts-(consumer|producer)|alerts-stand-in|alerts-debian' \
  | awk -F'\t' '{ printf "  %-52s %8s\n", $1, $2 }'
echo "memory per container after 2,200 alerts with four critical replicas (now, peak):"
echo "$memory"
