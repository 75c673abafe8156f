// Why pysample cannot attach, in words a user can act on. The diagnosis is a
// pure function of facts gathered from /proc, so every case is testable.

import * as fs from 'node:fs';
import { hasCapability, readStatus, readText } from './procfs';

const CAP_SYS_PTRACE = 19;

/** What the system says about the attach; gathered by attachFacts(). */
export interface AttachFacts {
  pid: number;
  errno: string;             // 'EPERM', 'ESRCH', ...
  uid: number;               // pysample's effective uid
  targetUid?: number;
  hasPtraceCap: boolean;     // CAP_SYS_PTRACE in pysample's effective set
  yama?: number;             // /proc/sys/kernel/yama/ptrace_scope, when Yama is on
  tracerPid?: number;        // TracerPid of the target (0: none)
  tracerName?: string;
  container: boolean;        // pysample runs in a container (docker, podman, kubernetes)
  /** pysample's uid map when it runs in a user namespace other than the first one (its
   *  capabilities count only inside it), e.g. "0 1000 1". */
  userNamespace?: string;
}

/** The one-line message for a failed attach (without the `pysample: ` prefix). */
export function explainAttach(f: AttachFacts): string {
  const head = `cannot attach to pid ${f.pid}`;
  if (f.errno === 'ESRCH') return `${head}: no such process (check the pid; it may have exited)`;
  if (f.errno !== 'EPERM' && f.errno !== 'EACCES') return `${head}: ${f.errno}`;
  if (f.tracerPid) {
    const who = f.tracerName ? `${f.tracerName} (pid ${f.tracerPid})` : `pid ${f.tracerPid}`;
    return `${head}: it is already traced by ${who} (detach or stop ${f.tracerName ?? 'that tracer'} first; only one tracer at a time)`;
  }
  if (!f.hasPtraceCap && f.uid === 0 && f.container) {
    return `${head}: permission denied: this container lacks the SYS_PTRACE capability (run it with 'docker run --cap-add SYS_PTRACE', or use 'kubectl debug --profile=general')`;
  }
  if (!f.hasPtraceCap && f.uid === 0) {
    return `${head}: permission denied: running as root but without CAP_SYS_PTRACE (restore the capability, e.g. 'docker run --cap-add SYS_PTRACE' in a container)`;
  }
  if (f.yama !== undefined && f.yama >= 1 && !f.hasPtraceCap) {
    const what = ['', 'only parents may trace', 'only CAP_SYS_PTRACE may trace', 'no process may trace'][f.yama] ?? 'restricted';
    const fix = f.yama === 3
      ? 'ptrace is disabled until reboot'
      : `run as root, 'sudo setcap cap_sys_ptrace+ep $(command -v node)', or 'sudo sysctl kernel.yama.ptrace_scope=0'`;
    return `${head}: permission denied by Yama: kernel.yama.ptrace_scope = ${f.yama} (${what}) (${fix})`;
  }
  if (!f.hasPtraceCap && f.targetUid !== undefined && f.targetUid !== f.uid) {
    return `${head}: permission denied: it runs as uid ${f.targetUid} and pysample as uid ${f.uid} without CAP_SYS_PTRACE (run as root or as that user, or 'sudo setcap cap_sys_ptrace+ep $(command -v node)')`;
  }
  if (!f.hasPtraceCap) {
    return `${head}: permission denied: not root and no CAP_SYS_PTRACE (run as root, or 'sudo setcap cap_sys_ptrace+ep $(command -v node)')`;
  }
  if (f.userNamespace !== undefined) {
    return `${head}: permission denied: pysample runs in a user namespace (uid map ${f.userNamespace}) and its CAP_SYS_PTRACE counts only for processes created inside it (run pysample in the target's user namespace, or from the host)`;
  }
  return `${head}: permission denied although pysample has CAP_SYS_PTRACE: a security module (SELinux, AppArmor) or the kernel protects this process (look for the denial in 'dmesg' or the audit log)`;
}

/** Gathers the facts for explainAttach from /proc and /sys. */
export function attachFacts(pid: number, errno: string): AttachFacts {
  const self = readStatus('self');
  const target = readStatus(pid);
  const tracerPid = Number(target.get('TracerPid') ?? 0) || undefined;
  const yamaText = readText('/proc/sys/kernel/yama/ptrace_scope');
  return {
    pid,
    errno,
    uid: Number((self.get('Uid') ?? '0').split(/\s+/)[1] ?? 0),
    targetUid: target.has('Uid') ? Number((target.get('Uid') ?? '').split(/\s+/)[1]) : undefined,
    hasPtraceCap: hasCapability(self.get('CapEff') ?? '0', CAP_SYS_PTRACE),
    yama: yamaText === undefined ? undefined : Number(yamaText.trim()),
    tracerPid,
    tracerName: tracerPid ? readText(`/proc/${tracerPid}/comm`)?.trim() : undefined,
    container: inContainer(),
    userNamespace: userNamespaceMap(),
  };
}

/** pysample's uid map, unless it is the first user namespace's (all uids, mapped to themselves). */
function userNamespaceMap(): string | undefined {
  const map = readText('/proc/self/uid_map')?.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
  if (!map || (map.length === 1 && map[0] === '0 0 4294967295')) return undefined;
  return map.join(', ');
}

function inContainer(): boolean {
  if (fs.existsSync('/.dockerenv') || fs.existsSync('/run/.containerenv')) return true;
  if (process.env.KUBERNETES_SERVICE_HOST) return true;
  const cgroup = readText('/proc/1/cgroup') ?? '';
  return /docker|kubepods|containerd|libpod|lxc/.test(cgroup);
}
