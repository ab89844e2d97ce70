// The in-container contract: what socklab installs in every lab host and the files it
// keeps there. Programs run through one launcher script, each in a process group of its
// own, with its pid, exit status and (in the background) its output under /lab/run/:
//   ID.cmd   its command line (background programs only: these are what `status` lists)
//   ID.pid   its pid, which is also its process group: signals reach the whole group
//   ID.out   ID.err   its output (background programs)
//   ID.exit  "CODE OOM_BEFORE OOM_AFTER" once it has ended; the two counters are the
//            host's out-of-memory kill count, which tells a memory-limit kill from a kill
// Everything here is text the host runs, plus the parsing of what it prints; the typed API
// over it is in-host.ts.

export const RUN_DIR_IN_HOST = '/lab/run';
export const LAUNCHER_IN_HOST = '/lab/bin/launch';
/** A full-cone router's watcher of new UDP mappings (lab/nat.ts); plumbing, hidden from ps. */
/** socklab's agent (AGENT_SCRIPT): runs its commands without a new exec each; plumbing, hidden from ps. */
export const AGENT_IN_HOST = '/lab/bin/agent';
export const FULL_CONE_WATCHER_IN_HOST = '/lab/bin/full-cone';
export const PROGRAMS_DIR_IN_HOST = '/lab/programs';
export const FILES_DIR_IN_HOST = '/lab/files';
export const CAPTURES_DIR_IN_HOST = '/lab/captures';

/**
 * What user programs lose on hosts that are not routers: the network privileges the host
 * needed at setup (routes, addresses) and that a hostile program could use to leave the lab.
 * ping keeps working through ICMP datagram sockets (net.ipv4.ping_group_range).
 */
export const DROP_NETWORK_PRIVILEGES = ['setpriv', '--bounding-set', '-net_admin,-net_raw', '--inh-caps', '-net_admin,-net_raw'];

/** What a gated launcher (`launch -g`) that was never let through exits with: it started nothing. */
const GATE_CLOSED_EXIT = 125;
/** The line that lets a gated launcher through; socklab sends "no" to shut the gate (in-host.ts ReadyRun). */
export const GATE_OPEN = 'go';

/**
 * The launcher, installed in every host at setup. A file rather than an inline `sh -c`
 * script, so `ps` shows `/bin/sh /lab/bin/launch ID node ...`.
 *   launch [-b] [-r] [-g] ID COMMAND...
 *   -b  in the background: output to ID.out and ID.err (else to the caller's own output)
 *   -r  without the network privileges (DROP_NETWORK_PRIVILEGES)
 *   -g  gated: waits for a line on its input before it starts anything; starts only when
 *       that line is "go", and nothing when it is any other or the input ends first (a run
 *       made ready ahead of its turn, in-host.ts)
 */
export const LAUNCHER_SCRIPT = `#!/bin/sh
# socklab: runs a program in a process group of its own; pid, exit status and output in ${RUN_DIR_IN_HOST}/
background=
gate=
wrap='env --default-signal=INT,QUIT'
while :; do
  case $1 in
    -b) background=1; shift ;;
    -r) wrap="${DROP_NETWORK_PRIVILEGES.join(' ')} $wrap"; shift ;;
    -g) gate=1; shift ;;
    *) break ;;
  esac
done
id=$1; shift
run=${RUN_DIR_IN_HOST}
[ -d "$run" ] || mkdir -p "$run"
# A word on the input rather than its end lets a run go or not: the engine can lose an input's
# end that comes before the exec's process has started (the input's bytes it never loses).
if [ -n "$gate" ]; then read -r word && [ "$word" = ${GATE_OPEN} ] || exit ${GATE_CLOSED_EXIT}; fi
# The host's count of out-of-memory kills (cgroup v1, else v2), read by the shell itself: no
# process to start between socklab's word and the program's own start.
oom() {
  kills=
  for file in /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events; do
    [ -r "$file" ] || continue
    while read -r key value; do [ "$key" = oom_kill ] && { kills=$value; return; }; done < "$file"
  done
}
oom; before=$kills
# setsid: the program leads a new process group, so a signal reaches its children and
# pipelines too. A background job of a non-interactive shell starts with SIGINT and SIGQUIT
# ignored (POSIX); env resets them so Ctrl+C semantics (stop: SIGINT) reach the program.
if [ -n "$background" ]; then
  printf '%s\\n' "$*" > "$run/$id.cmd"
  setsid $wrap "$@" > "$run/$id.out" 2> "$run/$id.err" < /dev/null &
else
  setsid $wrap "$@" < /dev/null &
fi
pid=$!
echo "$pid" > "$run/$id.pid"
wait "$pid"
code=$?
# A foreground program ends with its main process; what it left running in its group
# would hold the output open.
[ -n "$background" ] || /usr/bin/kill -KILL -- "-$pid" 2>/dev/null
oom
echo "$code \${before:-0} $kills" > "$run/$id.exit"
exit "$code"
`;

/** At most this much of each output of an agent's command reaches socklab (the start of it). */
export const AGENT_OUTPUT_CAP = 4 * 1024 * 1024;
/** The first word of every answer's header line. */
export const AGENT_ANSWER = 'socklab-agent';

/**
 * The agent: one per host and socklab process, started as a long-running exec with its
 * input open (in-host/agent.ts). Each of socklab's commands would otherwise be an exec of
 * its own, which costs the engine 45 to 150 ms; through the agent it costs the few
 * processes below. Only builtins run between commands, so a host at its pids limit cannot
 * wedge it: a fork that fails ends the agent, and socklab goes back to one exec per command.
 *   request: "ID SECONDS USER LINES" then the script in LINES lines (USER 1: run it without
 *            the network privileges)
 *   answer:  "socklab-agent ID CODE OUT-BYTES ERR-BYTES" then at most AGENT_OUTPUT_CAP bytes
 *            of the standard output, then as much of the standard error
 * A command runs under `timeout` as every command of socklab's does, with its output in
 * files (never in the agent's own output while it runs) and no input.
 */
export const AGENT_SCRIPT = `#!/bin/sh
# socklab: runs socklab's own commands, read from standard input, one after another
out=${RUN_DIR_IN_HOST}/.agent-$$.out
err=${RUN_DIR_IN_HOST}/.agent-$$.err
trap 'rm -f "$out" "$err"' EXIT
while read -r id seconds user lines; do
  script=
  while [ "$lines" -gt 0 ] && IFS= read -r line; do
    script="\${script:+$script
}$line"
    lines=$((lines - 1))
  done
  : > "$out"
  : > "$err"
  # In a subshell that becomes the command: the shell's own "Killed" for a command past its
  # deadline then goes to the agent's output for errors, not into the command's.
  if [ "$user" = 1 ]; then
    (exec timeout -s KILL "\${seconds}s" ${DROP_NETWORK_PRIVILEGES.join(' ')} sh -c "$script" > "$out" 2> "$err" < /dev/null)
  else
    (exec timeout -s KILL "\${seconds}s" sh -c "$script" > "$out" 2> "$err" < /dev/null)
  fi
  code=$?
  set -- $(stat -c %s "$out" "$err")
  printf '${AGENT_ANSWER} %s %s %s %s\n' "$id" "$code" "$1" "$2"
  head -c ${AGENT_OUTPUT_CAP} "$out"
  head -c ${AGENT_OUTPUT_CAP} "$err"
done
`;

/** A request to the agent: its header line and the script's lines. */
export function agentRequest(id: number, script: string, seconds: number, asUser: boolean): string {
  const lines = script.split('\n');
  return `${id} ${seconds} ${asUser ? 1 : 0} ${lines.length}\n${lines.join('\n')}\n`;
}

/** Shell snippet that installs the launcher and the agent (part of every host's setup script). */
export function installInHostToolsScript(): string {
  return [
    `mkdir -p /lab/bin ${RUN_DIR_IN_HOST} ${PROGRAMS_DIR_IN_HOST} ${CAPTURES_DIR_IN_HOST}`,
    `cat > ${LAUNCHER_IN_HOST} <<'SOCKLAB_LAUNCHER'\n${LAUNCHER_SCRIPT}SOCKLAB_LAUNCHER`,
    `cat > ${AGENT_IN_HOST} <<'SOCKLAB_AGENT'\n${AGENT_SCRIPT}SOCKLAB_AGENT`,
    `chmod +x ${LAUNCHER_IN_HOST} ${AGENT_IN_HOST}`,
  ].join('\n');
}

/** One line per background program: id, pid, running|exited, exit line, command (tab-separated). */
export const LIST_PROGRAMS_SCRIPT = [
  `cd ${RUN_DIR_IN_HOST} 2>/dev/null || exit 0`,
  `for cmd in *.cmd; do`,
  `  [ -e "$cmd" ] || continue`,
  `  id=\${cmd%.cmd}`,
  `  pid=$(cat "$id.pid" 2>/dev/null)`,
  `  end=$(cat "$id.exit" 2>/dev/null)`,
  `  state=exited`,
  `  if [ -z "$end" ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then state=running; fi`,
  `  printf '%s\\t%s\\t%s\\t%s\\t%s\\n' "$id" "$pid" "$state" "$end" "$(head -c 4096 "$cmd" | head -n 1)"`,
  `done`,
].join('\n');

/** The same for one program, foreground ones included; prints nothing when it never started. */
export const programStatusScript = (id: string) =>
  [
    `cd ${RUN_DIR_IN_HOST} 2>/dev/null || exit 0`,
    `[ -e '${id}.pid' ] || exit 0`,
    `pid=$(cat '${id}.pid' 2>/dev/null); end=$(cat '${id}.exit' 2>/dev/null); state=exited`,
    `if [ -z "$end" ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then state=running; fi`,
    `printf '%s\\t%s\\t%s\\t%s\\t%s\\n' '${id}' "$pid" "$state" "$end" "$(head -c 4096 '${id}.cmd' 2>/dev/null | head -n 1)"`,
  ].join('\n');

/**
 * Signals a program's whole process group (procps' kill: dash's builtin cannot name groups).
 * `root` is where the host's files are seen from: '' inside the host, `/proc/1/root` from a
 * helper that shares its process namespace.
 */
export const signalGroupScript = (id: string, signal: string, root = '') =>
  [
    // From outside, the host's files must be in sight (else "no pid file" would be a lie).
    ...(root ? [`[ -d '${root}${RUN_DIR_IN_HOST}' ] || exit 5`] : []),
    // `read` is built in: it needs no new process, which a host at its pids limit cannot make.
    `file='${root}${RUN_DIR_IN_HOST}/${id}.pid'`,
    `[ -e "$file" ] || exit 0`,
    `read -r pid < "$file" && [ -n "$pid" ] || exit 0`,
    `/usr/bin/kill -${signal} -- "-$pid" 2>/dev/null`,
    // 1: no such process (it has ended), nothing left to do; 2 and above: the kill did not run.
    `status=$?; [ "$status" -le 1 ] || exit "$status"`,
  ].join('\n');

/** How a program ended. */
export interface ProgramEnd {
  /** The exit status as the shell reports it: 128 + N when signal N ended it. */
  code: number;
  /** The signal that ended it, if one did (SIGTERM, SIGKILL, ...). */
  signal?: string;
  /** Killed by the host's memory limit. */
  outOfMemory?: boolean;
}

export interface HostProgram {
  id: string;
  pid?: number;
  running: boolean;
  /** Set once the program has ended. */
  end?: ProgramEnd;
  command: string;
}

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
  25: 'SIGXFSZ',
};

/** Reads "CODE OOM_BEFORE OOM_AFTER" (or a bare code). */
export function parseEnd(text: string): ProgramEnd | undefined {
  if (text.trim() === '') return undefined;
  const [code, before, after] = text.trim().split(/\s+/).map(Number);
  if (code === undefined || !Number.isInteger(code)) return undefined;
  const signal = code > 128 && code < 128 + 65 ? (SIGNALS[code - 128] ?? `signal ${code - 128}`) : undefined;
  const outOfMemory = signal === 'SIGKILL' && before !== undefined && after !== undefined && after > before;
  return { code, ...(signal ? { signal } : {}), ...(outOfMemory ? { outOfMemory } : {}) };
}

export function parsePrograms(text: string): HostProgram[] {
  const programs: HostProgram[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [id = '', pid = '', state = '', end = '', ...command] = line.split('\t');
    if (!id) continue;
    const ended = parseEnd(end);
    programs.push({
      id,
      ...(/^\d+$/.test(pid) ? { pid: Number(pid) } : {}),
      running: state === 'running',
      ...(ended ? { end: ended } : {}),
      command: command.join('\t'),
    });
  }
  return programs.sort((a, b) => a.id.localeCompare(b.id));
}

/** "exited 0", "killed by SIGTERM", "killed: out of memory, limit 512 MB". */
export function describeEnd(end: ProgramEnd, memoryLimitBytes?: number): string {
  if (end.outOfMemory) {
    const limit = memoryLimitBytes ? `, limit ${Math.round(memoryLimitBytes / 1024 / 1024)} MB` : '';
    return `killed: out of memory${limit}`;
  }
  return end.signal ? `killed by ${end.signal}` : `exited ${end.code}`;
}

/** How a program stands, in a few words: "running, pid 23", "exited 0". */
export function programState(program: HostProgram): string {
  if (program.running) return `running${program.pid !== undefined ? `, pid ${program.pid}` : ''}`;
  return program.end ? describeEnd(program.end) : 'gone';
}

/**
 * How output files are followed live: `tail -F` from the first line, standard output's file
 * on the exec's standard output and standard error's on its standard error, so one exec
 * follows both (tail's own notices go nowhere). The wrapper keeps each tail's pid beside its
 * file, because the engine leaves an exec'd process running when its stream is closed.
 */
export const FOLLOW_COMMAND = ['tail', '-s', '0.1', '-n', '+1', '-F'];
/** The first words of the follower's shell, so that `ps` can leave it out. */
export const FOLLOW_MARK = ': socklab-follow;';

export const followScript = (out: string, err: string) => {
  const tail = FOLLOW_COMMAND.join(' ');
  return `${FOLLOW_MARK} ${tail} '${out}' 2>/dev/null & echo $! > '${out}.follower'; ${tail} '${err}' >&2 2>/dev/null & echo $! > '${err}.follower'; wait`;
};
export const stopFollowingScript = (files: string[]) => {
  const pids = files.map((file) => `'${file}.follower'`).join(' ');
  return `kill $(cat ${pids} 2>/dev/null) 2>/dev/null; rm -f ${pids}; true`;
};

/** Quotes a word for sh. */
export const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
