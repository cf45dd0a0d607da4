# Sourceable helpers for tests that need etcd: a private single-member etcd
# (Debian's etcd-server) on 127.0.0.1 with free ports and the caller's data
# directory, never the system service.
#
#   etcd_ports                      # picks free ports: sets ETCD_URL (scheme
#                                   # ${ETCD_SCHEME:-http}) and ETCD_PEER
#   etcd_launch DATA LOG [ARGS...]  # starts etcd on them (extra etcd ARGS,
#                                   # e.g. TLS flags), appends to LOG, sets
#                                   # ETCD_PID; same ports on every call, so
#                                   # a restart on DATA keeps the URL
#   etcd_healthy CMD...             # waits up to 10 s until `CMD endpoint
#                                   # health` succeeds (CMD: the caller's
#                                   # etcdctl wrapper); 1 if etcd died or
#                                   # never became healthy
# The caller stops $ETCD_PID in its own EXIT trap.
command -v etcd >/dev/null || { echo "etcd missing (scripts/bootstrap installs etcd-server)" >&2; exit 1; }
export ETCDCTL_API=3

etcd_ports() {
  local c p
  read -r c p < <(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
  ETCD_URL="${ETCD_SCHEME:-http}://127.0.0.1:$c"
  ETCD_PEER="http://127.0.0.1:$p"
}

etcd_launch() {
  local data=$1 log=$2; shift 2
  etcd --name it --data-dir "$data" \
    --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
    --listen-peer-urls "$ETCD_PEER" --initial-advertise-peer-urls "$ETCD_PEER" \
    --initial-cluster "it=$ETCD_PEER" "$@" >>"$log" 2>&1 &
  ETCD_PID=$!
}

etcd_healthy() {
  local _
  for _ in $(seq 1 100); do
    "$@" endpoint health >/dev/null 2>&1 && return 0
    kill -0 "$ETCD_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
