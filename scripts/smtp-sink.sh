#!/usr/bin/env bash
# Starts, stops or reports a local SMTP sink (smtp4dev, a .NET local tool pinned in .config/dotnet-tools.json)
# on loopback: it accepts every mail, keeps it in memory and shows it in a web UI and a JSON API.
set -euo pipefail

usage() { echo "usage: $0 start|stop|status|env" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
local_dir="${ALERTS_LOCAL_DIR:-$root/.local}"
data="$local_dir/smtp4dev"
smtp_port="${ALERTS_SMTP_PORT:-2525}"
web_port="${ALERTS_SMTP_WEB_PORT:-5080}"
web="http://127.0.0.1:$web_port"

is_running() { curl -fsS --max-time 2 "$web/api/messages?pageSize=1" >/dev/null 2>&1; }

write_env() {
  cat > "$local_dir/smtp.env" <<ENV
export Smtp__Host=127.0.0.1
export Smtp__Port=$smtp_port
export Smtp__Security=None
ENV
  echo "$local_dir/smtp.env"
}

start() {
  if is_running; then
    echo "smtp4dev is already running: SMTP 127.0.0.1:$smtp_port, web UI $web"
  else
    mkdir -p "$data"
    cd "$root"
    dotnet tool restore >/dev/null
    # In-memory store, loopback only, IMAP and POP3 on any free port: nothing of it outlives the process.
    # Every stream redirected, so a caller reading this script's output is not kept waiting by the sink.
    nohup dotnet tool run smtp4dev -- --smtpport="$smtp_port" --urls="$web" --bindaddress=127.0.0.1 \
      --db= --imapport=0 --pop3port=0 --messagestokeep=100000 --sessionstokeep=100 \
      --baseappdatapath="$data" --nousersettings < /dev/null > "$data/smtp4dev.log" 2>&1 &
    echo $! > "$data/smtp4dev.pid"
    for _ in $(seq 1 60); do
      if is_running; then break; fi
      if ! kill -0 "$(cat "$data/smtp4dev.pid")" 2>/dev/null; then
        echo "smtp4dev failed to start; see $data/smtp4dev.log" >&2; tail -20 "$data/smtp4dev.log" >&2; exit 1
      fi
      sleep 1
    done
    is_running || { echo "smtp4dev did not answer within 60 s; see $data/smtp4dev.log" >&2; exit 1; }
    echo "smtp4dev started: SMTP 127.0.0.1:$smtp_port, web UI $web"
  fi
  echo "settings for the consumer in $(write_env)"
}

stop() {
  local pid_file="$data/smtp4dev.pid"
  if [[ -s "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    pkill -TERM -P "$(cat "$pid_file")" 2>/dev/null || true
    kill -TERM "$(cat "$pid_file")" 2>/dev/null || true
    rm -f "$pid_file"
    echo "smtp4dev stopped"
  else
    echo "smtp4dev is not running (from this folder)"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if is_running; then echo "smtp4dev is running: SMTP 127.0.0.1:$smtp_port, web UI $web"; else echo "smtp4dev is not running"; exit 1; fi ;;
  env) write_env ;;
  *) usage ;;
esac
