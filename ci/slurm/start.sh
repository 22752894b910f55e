#!/usr/bin/env bash
# Start a real single-node Slurm 22.05 cluster (munge, MariaDB + slurmdbd accounting, slurmctld,
# slurmd) as root, without systemd, and wait until the node is idle. Installs Debian's packages
# when missing. State, logs and pid files go to $GOODFIT_SLURM_STATE (default /tmp/goodfit-slurm).
# Stop it with ci/slurm/stop.sh. Usage: sudo ci/slurm/start.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
STATE="${GOODFIT_SLURM_STATE:-/tmp/goodfit-slurm}"
HOST="$(hostname -s)"
[ "$(id -u)" = 0 ] || { echo "start.sh: run as root (it starts system daemons)" >&2; exit 1; }

need=()
command -v munged >/dev/null || need+=(munge)
command -v slurmctld >/dev/null || need+=(slurmctld)
command -v slurmd >/dev/null || need+=(slurmd)
command -v sinfo >/dev/null || need+=(slurm-client)
command -v slurmdbd >/dev/null || need+=(slurmdbd)
command -v mariadbd >/dev/null || need+=(mariadb-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "start.sh: installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

mkdir -p "$STATE"/ctld "$STATE"/d /etc/slurm /run/munge /var/log/munge /var/lib/munge
# munge: a key, then the daemon as its user
[ -f /etc/munge/munge.key ] || mungekey --create >/dev/null 2>&1 || \
  (dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null)
chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
chmod 600 /etc/munge/munge.key
if ! munge -n >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged
fi

# accounting: MariaDB on its unix socket only, then slurmdbd
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
if ! mariadb -e 'select 1' >/dev/null 2>&1; then
  [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql >/dev/null 2>&1
  (mariadbd --user=mysql --skip-networking --pid-file=/run/mysqld/goodfit-mariadbd.pid >"$STATE/mariadb.log" 2>&1 &)
  for _ in $(seq 200); do mariadb -e 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
  mariadb -e 'select 1' >/dev/null 2>&1 || { echo "start.sh: MariaDB did not start; see $STATE/mariadb.log" >&2; exit 1; }
fi
sed "s|@STATE@|$STATE|g" "$HERE/slurmdbd.conf.in" >/etc/slurm/slurmdbd.conf
chmod 600 /etc/slurm/slurmdbd.conf
if ! [ -f "$STATE/slurmdbd.pid" ] || ! kill -0 "$(cat "$STATE/slurmdbd.pid")" 2>/dev/null; then
  slurmdbd
  for _ in $(seq 200); do (echo > /dev/tcp/127.0.0.1/6819) 2>/dev/null && break; sleep 0.1; done
  (echo > /dev/tcp/127.0.0.1/6819) 2>/dev/null || { echo "start.sh: slurmdbd did not start; see $STATE/slurmdbd.log" >&2; exit 1; }
fi

NODE="$(slurmd -C | head -1 | tr ' ' '\n' | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore|RealMemory)=' | tr '\n' ' ')"
ACCT="AccountingStorageType=accounting_storage/slurmdbd\nAccountingStorageHost=localhost"
sed -e "s|@HOST@|$HOST|g" -e "s|@STATE@|$STATE|g" -e "s|@NODE@|$NODE|" -e "s|@ACCOUNTING@|$ACCT|" \
  "$HERE/slurm.conf.in" >/etc/slurm/slurm.conf
sacctmgr -i add cluster goodfit >/dev/null 2>&1 || true

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
pid_alive "$STATE/slurmctld.pid" || slurmctld
pid_alive "$STATE/slurmd.pid" || slurmd
for _ in $(seq 150); do
  st="$(timeout 5 sinfo -h -n "$HOST" -o %T 2>/dev/null || true)"
  [ "$st" = idle ] && { echo "start.sh: slurm is up ($HOST idle; state in $STATE)"; exit 0; }
  sleep 0.2
done
echo "start.sh: node $HOST did not become idle (state: ${st:-unknown}); see $STATE/*.log" >&2
exit 1
