import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

/** Cumulative CPU time, in milliseconds: the whole host's busy time (all cores) and this process's. */
export interface CpuTimes {
  hostBusyMs: number;
  ownMs: number;
}

/** Where the CPU times come from (a fake in tests). */
export interface CpuSource {
  cores: number;
  read(): CpuTimes;
}

/** Linux's clock ticks per second for /proc/stat (USER_HZ, 100 on every Linux Node supports). */
const TICK_MS = 10;

/**
 * The host's busy time: from /proc/stat on Linux, steal included (a hypervisor's other guests on these cores), or
 * from `os.cpus()` elsewhere (no steal there); this process's from `process.cpuUsage()`, every thread included.
 */
export function systemCpu(): CpuSource {
  const fromProcStat = (): number | null => {
    try {
      const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0] ?? '';
      const fields = line.trim().split(/\s+/).slice(1).map(Number);
      // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
      const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
      return line.startsWith('cpu ') ? (user + nice + system + irq + softirq + steal) * TICK_MS : null;
    } catch {
      return null;
    }
  };
  const fromCpus = () => cpus().reduce((sum, { times: t }) => sum + t.user + t.nice + t.sys + t.irq, 0);
  return {
    cores: availableParallelism(),
    read() {
      const { user, system } = process.cpuUsage();
      return { hostBusyMs: fromProcStat() ?? fromCpus(), ownMs: (user + system) / 1000 };
    },
  };
}

/**
 * Whether the host is quiet: whether other processes (and other guests of a virtual machine) left its cores idle over
 * the last sampling period. ONNX Runtime runs a lone frame 20-35 % faster when its idle threads spin-wait, but
 * spinning threads take cores from everyone else; on a busy host they made one stream's latency several times worse
 * (docs/PERFORMANCE.md). The pipelines let a lone frame's model runs spin only while this says quiet.
 */
export class HostLoad {
  /** Other processes may keep at most this share of the cores busy for the host to count as quiet. */
  static readonly OTHERS_MAX_SHARE = 0.25;

  private last: (CpuTimes & { at: number }) | null = null;
  private others = Number.POSITIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: CpuSource = systemCpu(),
    private readonly periodMs = 2000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Cores other processes kept busy over the last period (infinite until two samples exist). */
  get otherCores(): number {
    return this.others;
  }

  get quiet(): boolean {
    return this.others < this.source.cores * HostLoad.OTHERS_MAX_SHARE;
  }

  /** Samples now and every period after (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes one sample: the figures cover the time since the previous one. */
  sample(): void {
    const times = { ...this.source.read(), at: this.now() };
    const last = this.last;
    this.last = times;
    if (!last || times.at <= last.at) return;
    const othersMs = times.hostBusyMs - last.hostBusyMs - (times.ownMs - last.ownMs);
    this.others = Math.max(0, othersMs) / (times.at - last.at);
  }
}
