#!/usr/bin/env bash
# Integration test of sharded evaluations on a real one-node Slurm cluster (Debian's slurmctld, slurmd and munge),
# started here on localhost as root with every file in a temporary folder, and stopped by PID at the end.
#
#   1. `camscope slurm` generates the array script (3 shards) and the merge job for the demo model and 60 demo images
#      (--sample 60 --seed 0, the six paper methods); submit.sh submits them; the merged report must equal an
#      unsharded `camscope evaluate` run's (check.ts same: CSV and figure byte for byte, table and per-image values).
#   2. The same submission again from scratch, with array task 1 cancelled (scancel) while it runs: the merge job,
#      which waits for all tasks to succeed, never starts; task 1 is submitted again (sbatch --array=1), resumes
#      from its project, the merge is submitted again, and the report must still equal the unsharded run's.
#
# Writes test-output/slurm.json ({passed, failed, skipped, checks}) for .ci/run and ends with "N passed, N failed".
# Skips (exit 0, skipped: 1) with a reason when not root or when the Slurm/munge packages are missing; set
# CAMSCOPE_SLURM_REQUIRED=1 (as .ci/run does) to make that a failure instead.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
mkdir -p test-output
RESULT="$ROOT/test-output/slurm.json"
rm -f "$RESULT"
START=$(date +%s)

passed=0
failed=0
checks=()
record() { # name ok|fail detail
  if [ "$2" = ok ]; then passed=$((passed + 1)); echo "  ok   $1${3:+: $3}"; else failed=$((failed + 1)); echo "  FAIL $1${3:+: $3}"; fi
  checks+=("{\"name\":$(printf '%s' "$1" | node -e 'process.stdout.write(JSON.stringify(require("fs").readFileSync(0,"utf8")))'),\"ok\":$([ "$2" = ok ] && echo true || echo false)}")
}
finish() {
  local skipped=${1:-0}
  local list
  list=$(IFS=,; echo "${checks[*]:-}")
  echo "{\"passed\":$passed,\"failed\":$failed,\"skipped\":$skipped,\"seconds\":$(( $(date +%s) - START )),\"checks\":[${list}]}" > "$RESULT"
  echo "slurm integration test: $passed passed, $failed failed, $skipped skipped in $(( $(date +%s) - START )) s"
}
skip() {
  echo "SKIPPED: $1"
  if [ "${CAMSCOPE_SLURM_REQUIRED:-0}" = 1 ]; then record "Slurm cluster available" fail "$1"; finish 0; exit 1; fi
  finish 1
  exit 0
}

[ "$(id -u)" = 0 ] || skip "the Slurm integration test starts slurmctld, slurmd and munged, which needs root (run it as root, or in CI)"
for cmd in /usr/sbin/slurmctld /usr/sbin/slurmd /usr/sbin/munged /usr/bin/sbatch /usr/bin/squeue /usr/bin/scancel /usr/bin/sinfo /usr/bin/scontrol; do
  [ -x "$cmd" ] || skip "$cmd is missing: apt-get install -y slurmctld slurmd slurm-client munge"
done

T=$(mktemp -d /tmp/camscope-slurm.XXXXXX)
chmod 755 "$T"
PIDS=()
stop_daemons() {
  # Every job first (so no camscope outlives the test), then the daemons, by the PIDs noted when they started.
  if [ -n "${SLURM_CONF:-}" ] && [ ${#PIDS[@]} -gt 0 ]; then scancel --quiet --user=root 2>/dev/null || true; sleep 1; fi
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[$i]}" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap 'stop_daemons' EXIT
trap 'echo "interrupted"; exit 130' INT TERM

echo "== Slurm cluster in $T"
# munge: a private instance (own key, socket, pid and log files), so a system munged is neither needed nor touched.
if command -v mungekey >/dev/null; then mungekey -c -k "$T/munge.key" 2>/dev/null || dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 status=none
else dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 status=none; fi
chmod 400 "$T/munge.key"
/usr/sbin/munged -F --force --key-file="$T/munge.key" --socket="$T/munge.socket" --pid-file="$T/munged.pid" \
  --log-file="$T/munged.log" --seed-file="$T/munged.seed" >"$T/munged.out" 2>&1 &
PIDS+=($!)

CPUS=$(nproc)
MEM=$(free -m | awk '/^Mem:/ { print int($2 * 0.9) }')
mkdir -p "$T/state" "$T/spool"
cat >"$T/slurm.conf" <<EOF
ClusterName=camscope-ci
SlurmctldHost=localhost
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge.socket
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
KillWait=2
MinJobAge=600
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
NodeName=localhost CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$T/slurm.conf"
for _ in $(seq 50); do [ -S "$T/munge.socket" ] && break; sleep 0.1; done
/usr/sbin/slurmctld -D -i -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 &
PIDS+=($!)
/usr/sbin/slurmd -D -N localhost -f "$SLURM_CONF" >"$T/slurmd.out" 2>&1 &
PIDS+=($!)
echo "   munged, slurmctld, slurmd: PIDs ${PIDS[*]}"

state=""
for _ in $(seq 120); do
  state=$(sinfo -h -N -o '%T' 2>/dev/null | head -1)
  [ "$state" = idle ] && break
  sleep 0.5
done
if [ "$state" != idle ]; then
  record "one-node cluster up (sinfo shows the node idle)" fail "node state '${state:-no answer}'"
  tail -n 20 "$T"/slurmctld.log "$T"/slurmd.log "$T"/munged.log "$T"/*.out 2>/dev/null
  finish; exit 1
fi
record "one-node cluster up (sinfo shows the node idle)" ok "$(sinfo -h -N -o '%N %c CPUs %m MB %T')"

CAMSCOPE=(node --import tsx "$ROOT/src/main/cli/main.ts")
MODEL="$ROOT/resources/demo/fashion-cnn.onnx"
DATA=("--model" "$MODEL" "--dataset" "$ROOT/resources/demo/images" "--labels" "$ROOT/resources/demo/images/labels.csv" "--sample" "60" "--seed" "0" "--figure" "2")

echo "== the unsharded reference run (camscope evaluate, no Slurm)"
"${CAMSCOPE[@]}" evaluate "${DATA[@]}" --out "$T/single" 2>&1 | grep -v '^evaluated' | sed 's/^/   /'

echo "== camscope slurm: 3 shards"
"${CAMSCOPE[@]}" slurm "${DATA[@]}" --shards 3 --cpus-per-task 1 --time 0:20:00 --out "$T/job" | sed 's/^/   /'

# Polls squeue until none of these jobs is queued or running (bounded), then prints each one's final state.
wait_jobs() { # timeout_s jobid...
  local limit=$1; shift
  local end=$(( $(date +%s) + limit ))
  while [ "$(date +%s)" -lt "$end" ]; do
    [ -z "$(squeue -h -j "$(IFS=,; echo "$*")" -o '%i' 2>/dev/null)" ] && return 0
    sleep 1
  done
  return 1
}
job_state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort -u | cut -d= -f2 | paste -sd, -; }
# Submits with submit.sh and sets ARRAY and MERGE to the job ids it printed.
submit() {
  local out
  out=$(bash "$T/job/submit.sh") || { echo "$out"; return 1; }
  echo "$out" | sed 's/^/   /'
  ARRAY=$(echo "$out" | sed -n 's/^shards: job \([0-9]*\).*/\1/p')
  MERGE=$(echo "$out" | sed -n 's/.*merge: job \([0-9]*\).*/\1/p')
  [ -n "$ARRAY" ] && [ -n "$MERGE" ]
}

echo "== 1. submit the array job and the dependent merge job"
if submit; then
  t0=$(date +%s)
  if wait_jobs 420 "$ARRAY" "$MERGE"; then
    record "array job and merge job finished" ok "array $ARRAY: $(job_state "$ARRAY"); merge $MERGE: $(job_state "$MERGE"); $(( $(date +%s) - t0 )) s"
  else
    record "array job and merge job finished" fail "still queued after 420 s: $(squeue -h -o '%i %T %r')"
  fi
  if [ "$(job_state "$MERGE")" = COMPLETED ] && [ "$(job_state "$ARRAY")" = COMPLETED ]; then record "every task and the merge COMPLETED" ok
  else record "every task and the merge COMPLETED" fail "array $(job_state "$ARRAY"), merge $(job_state "$MERGE"); logs: $(tail -n 3 "$T"/job/logs/*.out 2>/dev/null | tr '\n' ' ')"; fi
  if node --import tsx test/slurm/check.ts same "$T/job/report" "$T/single" | sed 's/^/   /'; [ "${PIPESTATUS[0]}" = 0 ]; then record "merged report identical to the unsharded run's" ok
  else record "merged report identical to the unsharded run's" fail; fi
else
  record "submit.sh submitted the array and merge jobs" fail
fi

echo "== 2. submit again from scratch; cancel array task 1 while it runs, resubmit it, merge again"
rm -rf "$T/job/shards" "$T/job/report" "$T/job/logs"
cancelled=""
if submit; then
  SHARD1="$T/job/shards/shard-1-of-3.camscope"
  LOG1="$T/job/logs/shard-1.out"
  end=$(( $(date +%s) + 240 ))
  # Wait until task 1 has stored some images but not all (its log says "evaluated k/20", 0 < k < 20), then cancel it.
  while [ "$(date +%s)" -lt "$end" ]; do
    if grep -Eq '^evaluated ([1-9]|1[0-9])/20 ' "$LOG1" 2>/dev/null; then
      scancel "${ARRAY}_1" && cancelled=yes
      break
    fi
    sleep 0.05
  done
  wait_jobs 240 "$ARRAY" || true
  state1=$(job_state "${ARRAY}_1")
  read -r stored status < <(node --import tsx test/slurm/check.ts progress "$SHARD1" 2>/dev/null || echo "0 unreadable")
  if [ "$cancelled" = yes ] && [ "$state1" = CANCELLED ] && [ "${stored:-0}" -gt 0 ] && [ "${stored:-0}" -lt 20 ]; then
    record "array task 1 cancelled midway" ok "task ${ARRAY}_1 $state1 with $stored of 20 images stored (status $status)"
  else
    record "array task 1 cancelled midway" fail "scancel sent: ${cancelled:-no}; task state ${state1:-?}; ${stored:-?} of 20 images stored"
  fi
  sleep 1
  merge_state=$(squeue -h -j "$MERGE" -o '%T %r' 2>/dev/null)
  if [ -n "$merge_state" ] && [ ! -e "$T/job/report/report.json" ]; then record "the merge job did not start after a cancelled task" ok "$merge_state"
  else record "the merge job did not start after a cancelled task" fail "merge job: '${merge_state:-gone}' $(job_state "$MERGE")"; fi
  scancel "$MERGE" 2>/dev/null

  again=$(sbatch --parsable --array=1 "$T/job/camscope-shards.sbatch")
  again=${again%%;*}
  merge2=$(sbatch --parsable --dependency=afterok:"$again" "$T/job/camscope-merge.sbatch")
  merge2=${merge2%%;*}
  echo "   resubmitted task 1 as job $again, merge as job $merge2"
  wait_jobs 300 "$again" "$merge2" || true
  if grep -q "resuming, $stored already done" "$LOG1"; then record "resubmitted task 1 resumed from its project" ok "$(grep -o 'resuming, [0-9]* already done' "$LOG1")"
  else record "resubmitted task 1 resumed from its project" fail "$(grep -m1 'camscope: evaluating' "$LOG1")"; fi
  if [ "$(job_state "$again")" = COMPLETED ] && [ "$(job_state "$merge2")" = COMPLETED ]; then record "resubmitted task and merge COMPLETED" ok
  else record "resubmitted task and merge COMPLETED" fail "task $(job_state "$again"), merge $(job_state "$merge2"); $(tail -n 3 "$T"/job/logs/merge.out 2>/dev/null | tr '\n' ' ')"; fi
  if node --import tsx test/slurm/check.ts same "$T/job/report" "$T/single" | sed 's/^/   /'; [ "${PIPESTATUS[0]}" = 0 ]; then record "merged report after the cancel and resubmission identical to the unsharded run's" ok
  else record "merged report after the cancel and resubmission identical to the unsharded run's" fail; fi
else
  record "submit.sh submitted the array and merge jobs again" fail
fi

echo "== stopping the cluster (PIDs ${PIDS[*]})"
stop_daemons
alive=""
for pid in $(cat "$T"/*.pid 2>/dev/null); do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
if [ -z "$alive" ]; then record "daemons stopped" ok; else record "daemons stopped" fail "still running:$alive"; fi
finish
if [ "$failed" -eq 0 ]; then rm -rf "$T"; else echo "logs kept in $T"; fi
[ "$failed" -eq 0 ]
