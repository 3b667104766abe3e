# devreload's watchdog (spawned by watchdog.ts as `/bin/sh watchdog.sh <signal number> <graceMs> [proc|ps]`).
# POSIX sh on purpose: idle it is one blocked `read`, ~0.2 MiB of private memory where a
# Node watchdog cost ~8 MiB (and ~40 MiB RSS).
# Reads `+leader`, `-leader` and `=leader pid startTime|-` lines from stdin; on EOF (devreload
# exited or was SIGKILLed: the kernel closes the pipe either way) it stops every instance
# still watched: the signal to each group and each process found in the process table,
# SIGKILL after graceMs, then exits. Diagnostics go to stderr (/dev/null unless
# DEVRELOAD_WATCHDOG_DEBUG=1).
# DEVRELOAD_WATCHDOG_RUN (in its environment: argv is world-readable) is devreload's run
# secret: a process whose environment holds DEVRELOAD_INSTANCE=<secret>.<n> descends from an
# instance of this run (src/process/instance-tag.ts), however it left the tree, and is stopped too.

# First thing, before anything can be slow: a Ctrl-C or a closed terminal must not kill it
# (its own session already keeps the terminal's group signals away; this covers a
# tree-killer signalling pids directly). SIGTERM stays fatal so it can still be told to go.
# SIGPIPE: a debug stderr whose reader is gone must cost only the diagnostics.
# Node's spawn resets every disposition to default in the child (libuv), so the parent cannot
# pre-ignore these; the window before this line is the shell's own start, about a millisecond.
trap '' INT HUP PIPE

# Every unquoted expansion below is split on purpose and must never be globbed.
set -f
# awk, ps and sleep are the system's: found even when devreload's PATH is odd or empty.
PATH=${PATH:+$PATH:}/usr/bin:/bin
export PATH
# A long-lived process must not hold the project's directory busy (an unmount, a removed checkout).
cd /

signal=$1
grace=$2
table=${3:-}
case $signal in '' | *[!0-9]*) echo "usage: watchdog.sh <signal number> <graceMs> [proc|ps]" >&2; exit 2 ;; esac
case $grace in '' | *[!0-9]*) echo "watchdog.sh: graceMs must be a whole number, got '$grace'" >&2; exit 2 ;; esac
if [ -z "$table" ]; then
  if [ -r /proc/self/stat ]; then table=proc; else table=ps; fi
fi
case $table in proc | ps) ;; *) echo "watchdog.sh: unknown process table source '$table'" >&2; exit 2 ;; esac
# Hex only: it goes into a regular expression as it is.
run=${DEVRELOAD_WATCHDOG_RUN:-}
case $run in *[!0-9a-f]*) echo "watchdog.sh: ignoring a run secret that is not hex" >&2; run= ;; esac

# SIGKILL cannot be refused; this only bounds the wait for the kernel to tear them down.
kill_confirm_ms=2000
poll_ms=50
# POSIX sleep takes whole seconds; GNU, BSD, macOS and busybox all take fractions.
nap_arg=0.05

log() {
  printf 'devreload watchdog %s: %s\n' "$$" "$*" >&2
}

# A pid we may signal: never 0 or 1 (kill(0)/kill(-1) address our group or everything),
# never ourselves, no leading zeros (some shells read those as octal).
is_pid() {
  case $1 in '' | 0* | 1 | *[!0-9]*) return 1 ;; esac
  [ "$1" != "$$" ]
}

# ---- state: space-separated words, with a space at both ends for `case` membership tests
watched=' '    # leaders
remembered=' ' # leader/pid/startTime: escaped descendants devreload told us about
known=' '      # pid/startTime: every live process of the last scan (orphans a ppid walk lost)

# On the ps path, start time is `lstart` (procps, macOS and the BSDs have it, POSIX does not);
# 'no' once ps refused it, then a remembered pid is trusted while it is present (its
# identity is '-'), as the table can tell nothing better.
lstart=yes
without_lstart() {
  lstart=no
  log "ps cannot tell start times (lstart): remembered pids are trusted while present"
}

# The start time of live process $1 into $identity (empty when it is gone or a zombie):
# for `=leader pid -`, so that a pid recycled later is still told apart.
identify() {
  identity=
  if [ "$table" = proc ]; then
    read -r stat 2>/dev/null < "/proc/$1/stat" || return 0
    # comm may hold spaces and parentheses; the fields start after the LAST ')'.
    set -- ${stat##*)}
    case $1 in Z* | X* | x*) return 0 ;; esac
    [ $# -ge 20 ] && identity=${20}
    return 0
  fi
  if [ "$lstart" = yes ] && found=$(LC_ALL=C ps -o stat=,lstart= -p "$1" 2>/dev/null) && [ -n "$found" ]; then
    set -- $found
    case $1 in Z* | X* | x*) return 0 ;; esac
    shift
    # The same words the scan joins: `Mon Jan  5 12:00:00 2026` -> Mon_Jan_5_12:00:00_2026.
    identity=$1
    shift
    for word; do identity=${identity}_$word; done
    return 0
  fi
  # Either it is gone, or this ps cannot tell (no lstart; busybox has no -p either): only
  # the second is worth remembering.
  kill -s 0 "$1" 2>/dev/null || return 0
  without_lstart
  identity=-
}

apply() {
  set -- $1
  case $#:$1 in
    1:+*)
      is_pid "${1#+}" || { log "ignoring line '$*'"; return; }
      case $watched in *" ${1#+} "*) ;; *) watched="$watched${1#+} " ;; esac
      log "watching ${1#+}"
      ;;
    1:-*)
      leader=${1#-}
      case $watched in *" $leader "*) watched=${watched%%" $leader "*}" "${watched#*" $leader "} ;; esac
      forget "$leader" ''
      ;;
    3:=*)
      leader=${1#=}
      # A late `=` for an instance already unwatched must not resurrect it.
      case $watched in *" $leader "*) ;; *) return ;; esac
      is_pid "$2" || { log "ignoring line '$*'"; return; }
      case $3 in *[!0-9A-Za-z_:.-]*) log "ignoring line '$*'"; return ;; esac
      identity=$3
      if [ "$identity" = - ]; then
        # Already remembered: the identity we took then is the better one.
        case $remembered in *" $leader/$2/"*) return ;; esac
        identify "$2"
        [ -n "$identity" ] || return
      fi
      forget "$leader" "$2"
      remembered="$remembered$leader/$2/$identity "
      ;;
    *)
      log "ignoring line '$*'"
      ;;
  esac
}

# Drops the remembered entries of leader $1 (only the one for pid $2 when $2 is set).
forget() {
  drop=$1/${2:+$2/}
  kept=' '
  for entry in $remembered; do
    case $entry in "$drop"*) ;; *) kept="$kept$entry " ;; esac
  done
  remembered=$kept
}

# The table walk, mirroring collectInstance (src/process/tree.ts): seeds are the members of
# a watched group or session and the remembered/known pids still carrying the same start
# time; everything below them by ppid (setsid'd descendants too) belongs to the instance.
# Zombies are walked through but not reported. Prints `pid/startTime` words; exits 2 when
# the table had no rows (unreadable), so the caller can tell "all gone" from "cannot see".
walk='
function add(pid, ppid, pgid, sid, state, start) {
  rows++
  parent[pid] = ppid; group[pid] = pgid; session[pid] = sid; born[pid] = start
  dead[pid] = (state ~ /^[ZXx]/)
  children[ppid] = children[ppid] " " pid
}
BEGIN {
  n = split(watched, w, " "); for (i = 1; i <= n; i++) leader[w[i]] = 1
  n = split(seeds, s, " ")
  for (i = 1; i <= n; i++) { m = split(s[i], f, "/"); seed[f[m - 1]] = f[m] }
  # /proc/<pid>/environ paths (grep) or pids (ps): processes carrying a tag of this run.
  n = split(tagged, t, " ")
  for (i = 1; i <= n; i++) { p = t[i]; gsub(/[^0-9]/, "", p); if (p != "") tag[p] = 1 }
  if (table == "proc") {
    for (a = 1; a < ARGC; a++) {
      # A process that exited since the glob is just not there (getline returns -1).
      text = ""
      while ((getline line < ARGV[a]) > 0) text = text (text == "" ? "" : "\n") line
      close(ARGV[a])
      open = index(text, " (")
      if (open == 0) continue
      # comm (field 2) may hold spaces, parentheses, even newlines: it ends at the LAST ")".
      rest = text
      while ((k = index(rest, ")")) > 0) rest = substr(rest, k + 1)
      if (split(rest, f, " ") < 20) continue
      add(substr(text, 1, open - 1) + 0, f[2] + 0, f[3] + 0, f[4] + 0, f[1], f[20])
    }
  } else {
    while ((getline line) > 0) {
      if (split(line, f, " ") < 4) continue
      start = "-"
      if (f[5] != "") { start = f[5]; for (i = 6; i in f; i++) start = start "_" f[i] }
      # ps has no portable session column: group membership and ppid carry the walk.
      add(f[1] + 0, f[2] + 0, f[3] + 0, "", f[4], start)
    }
  }
  if (rows == 0) exit 2
  q = 0
  for (pid in parent)
    if ((group[pid] in leader) || (session[pid] != "" && (session[pid] in leader)) || ((pid in seed) && seed[pid] == born[pid]) || (pid in tag))
      queue[++q] = pid
  out = ""
  for (i = 1; i <= q; i++) {
    pid = queue[i]
    # The visited set keeps bad data (a ppid cycle) from looping.
    if ((pid in visited) || pid == self) continue
    visited[pid] = 1
    if (!dead[pid]) out = out (out == "" ? "" : " ") pid "/" born[pid]
    n = split(children[pid], c, " ")
    for (j = 1; j <= n; j++) queue[++q] = c[j]
  }
  print out
  exit 0
}'

# The tag entries of this run, one whole environment entry each.
tag_re="^DEVRELOAD_INSTANCE=$run[.][0-9][0-9]*\$"

# ps's flag that appends the environment to args (procps `e`, macOS `-E`, the BSDs' `-e`),
# looked up at the first ps scan; 'none' where there is none (busybox): tags go unseen there.
ps_env=
ps_env_flag() {
  [ -n "$ps_env" ] && return
  case $(uname -s 2>/dev/null) in
    Linux) ps_env=e ;;
    Darwin) ps_env=-E ;;
    *BSD | DragonFly) ps_env=-e ;;
    *) ps_env=none ;;
  esac
}

# Sets $tagged to the processes carrying a tag of this run: one grep over every environment
# (/proc/<pid>/environ paths; -z reads NUL-separated entries, -x matches a whole one,
# unreadable ones, another user's, are skipped; -z is not POSIX, but GNU, busybox and toybox
# grep have it, and one without finds nothing: groups and the tree still work), or one ps
# that shows environments (pids).
find_tagged() {
  tagged=
  [ -n "$run" ] || return 0
  if [ "$table" = proc ]; then
    set +f
    tagged=$(grep -slzxE "$tag_re" /proc/[0-9]*/environ 2>/dev/null)
    set -f
    return 0
  fi
  ps_env_flag
  [ "$ps_env" = none ] && return 0
  # -ww: uncut, or the environment (and the tag) would end at a terminal's width.
  tagged=$(LC_ALL=C ps -A -ww "$ps_env" -o pid=,args= 2>/dev/null |
    awk -v re="$tag_re" '{ for (i = 2; i <= NF; i++) if ($i ~ re) { print $1; next } }' 2>/dev/null)
  return 0
}

# Sets $alive (pid/startTime words) and $scanned (yes|no). A few processes per call:
# a subshell, grep and awk (plus ps and awk on the ps path), whatever the number of processes.
scan() {
  seeds="$remembered $known"
  find_tagged
  if [ "$table" = proc ]; then
    set +f
    set -- /proc/[0-9]*/stat
    set -f
    alive=$(awk -v table=proc -v watched="$watched" -v seeds="$seeds" -v tagged="$tagged" -v self="$$" "$walk" "$@" 2>/dev/null)
  elif [ "$lstart" = yes ] && alive=$(LC_ALL=C ps -A -o pid=,ppid=,pgid=,stat=,lstart= 2>/dev/null |
    awk -v table=ps -v watched="$watched" -v seeds="$seeds" -v tagged="$tagged" -v self="$$" "$walk" 2>/dev/null); then
    :
  else
    [ "$lstart" = yes ] && without_lstart
    alive=$(LC_ALL=C ps -A -o pid=,ppid=,pgid=,stat= 2>/dev/null |
      awk -v table=ps -v watched="$watched" -v seeds="$seeds" -v tagged="$tagged" -v self="$$" "$walk" 2>/dev/null)
  fi
  if [ $? -eq 0 ]; then
    scanned=yes
    known=" $alive "
  else
    # A failing scan must not cost the job: the group signal still reaches most of an app.
    scanned=no
    alive=
    log "cannot read the process table ($table)"
  fi
}

# Something of a watched instance is still running. Blind (no table), only the groups can be asked.
remaining() {
  [ "$scanned" = yes ] && { [ -n "$alive" ]; return; }
  for leader in $watched; do
    kill -s 0 -- "-$leader" 2>/dev/null && return 0
  done
  return 1
}

signal_all() {
  targets=
  for leader in $watched; do targets="$targets -$leader"; done
  for entry in $alive; do targets="$targets ${entry%%/*}"; done
  # ESRCH (already gone) is what we want; kill still goes on with the other targets.
  kill -s "$1" -- $targets 2>/dev/null
}

# Milliseconds on the monotonic /proc/uptime clock; without it (macOS), time is counted by
# the naps, which makes the grace a little longer than asked, never shorter.
now=0
tick() {
  [ -r /proc/uptime ] || return 0
  read -r up rest < /proc/uptime || return 0
  up=${up%.*}${up#*.}0
  while :; do case $up in 0?*) up=${up#0} ;; *) break ;; esac; done
  now=$up
}

nap() {
  if ! sleep "$nap_arg" 2>/dev/null; then
    nap_arg=1 poll_ms=1000
    sleep 1
  fi
  [ -r /proc/uptime ] || now=$((now + poll_ms))
}

stop_all() {
  known=' '
  scan
  log "stopping${watched% }:${alive:+ }${alive}"
  signal_all "$signal"
  # devreload may have died while suspended (Ctrl-Z) with the app SIGSTOPped: a stopped
  # process keeps the stop signal pending, so continue it to let its handler run.
  signal_all CONT
  tick
  grace_end=$((now + grace))
  while remaining && [ "$now" -lt "$grace_end" ]; do
    nap
    tick
    scan
  done
  tick
  kill_end=$((now + kill_confirm_ms))
  # Rescanned every round: only processes still present with the start time seen before (or
  # newly found in the instance) are killed, never a recycled pid.
  while remaining; do
    log "SIGKILL:${watched% }:${alive:+ }${alive}"
    signal_all 9
    [ "$now" -ge "$kill_end" ] && return
    nap
    tick
    scan
  done
}

tags=off
[ -n "$run" ] && tags=on
log "ready (signal $signal, grace $grace ms, table $table, tags $tags)"
# A last line without its newline still counts (read fails on it but fills $line).
while read -r line || [ -n "$line" ]; do
  apply "$line"
  line=
done
# Nothing watched: with tags on, this run's tagged processes are still looked for. devreload
# announces an instance once its spawn has settled, so a SIGKILL in between would otherwise leave
# an app nobody told us about; at a normal exit they are all gone already and this finds none.
if [ "$watched" = ' ' ]; then
  [ -n "$run" ] || exit 0
  find_tagged
  [ -n "$tagged" ] || exit 0
fi
stop_all
exit 0
