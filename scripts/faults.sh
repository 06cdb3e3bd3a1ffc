#!/usr/bin/env bash
# Injects the faults real deployments meet (killed consumers, a restarted broker, a dead mail server, hostile input)
# into real processes on loopback, and prints per fault the alerts published, mailed, lost, duplicated and parked.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
report="$root/.local/faults.tsv"
mkdir -p "$root/.local"
rm -f "$report"

./scripts/broker.sh install
dotnet build Alerts.sln -c Release -nologo -clp:ErrorsOnly
status=0
ALERTS_FAULT_REPORT="$report" dotnet test tests/Alerts.IntegrationTests -c Release --no-build -nologo \
  --filter "Category=Fault" --logger "console;verbosity=minimal" || status=1

echo
# With grouping (the shipped default) "mailed" counts the alerts the digests account for (X-Alert-Count), per alert by id.
printf '| %-57s | %-9s | %9s | %6s | %4s | %10s | %6s |\n' fault pipeline published mailed lost duplicated parked
printf '| %-57s | %-9s | %9s | %6s | %4s | %10s | %6s |\n' "$(printf -- '-%.0s' {1..57})" --------- --------: -----: ---: ---------: -----:
if [[ -s "$report" ]]; then
  while IFS=$'\t' read -r fault pipeline published mailed lost duplicated parked; do
    printf '| %-57s | %-9s | %9s | %6s | %4s | %10s | %6s |\n' "$fault" "$pipeline" "$published" "$mailed" "$lost" "$duplicated" "$parked"
  done < <(sort -t $'\t' -k1,1 -k2,2r "$report")
fi
exit "$status"
