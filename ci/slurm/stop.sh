#!/usr/bin/env bash
# Stop the daemons ci/slurm/start.sh started, by their pid files (never by name).
set -uo pipefail
STATE="${GOODFIT_SLURM_STATE:-/tmp/goodfit-slurm}"
scancel --user=root >/dev/null 2>&1 || true
pidfile() { [ "$1" = mariadb ] && echo /run/mysqld/goodfit-mariadbd.pid || echo "$STATE/$1.pid"; }
for name in slurmd slurmctld slurmdbd mariadb; do
  f="$(pidfile $name)"
  [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
done
for _ in $(seq 50); do
  alive=0
  for name in slurmd slurmctld slurmdbd mariadb; do
    f="$(pidfile $name)"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && alive=1
  done
  [ $alive = 0 ] && break; sleep 0.2
done
f=/run/munge/munged.pid
[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
echo "stop.sh: stopped"
