import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CgroupV1Job, ownCgroupDir } from './cgroup-v1.js';
import { childrenCpuSeconds } from './children-cpu.js';
import { confine } from './confinement.js';

const run = promisify(execFile);

/** /proc/self/mountinfo lines as three kinds of host show them. */
const HYBRID = [
  '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset',
  '34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const IN_A_CONTAINER = '34 30 0:31 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory';
const UNIFIED_ONLY = '30 22 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate';

describe('finding our own cgroup v1', () => {
  const cgroup = '5:cpuset:/\n4:memory:/jobs/42\n2:cpu,cpuacct:/jobs/42\n0::/\n';

  it('joins the controller\'s mount point and our path in its hierarchy', () => {
    assert.equal(ownCgroupDir('memory', HYBRID, cgroup), '/sys/fs/cgroup/memory/jobs/42');
    assert.equal(ownCgroupDir('cpu', HYBRID, cgroup), '/sys/fs/cgroup/cpu,cpuacct/jobs/42', 'cpu mounted with cpuacct, not cpuset');
    assert.equal(ownCgroupDir('cpuacct', HYBRID, cgroup), '/sys/fs/cgroup/cpu,cpuacct/jobs/42', 'cpuacct is the same hierarchy');
  });

  it('takes a mount of part of the hierarchy (a container\'s) into account', () => {
    assert.equal(ownCgroupDir('memory', IN_A_CONTAINER, '4:memory:/docker/abc/inner\n'), '/sys/fs/cgroup/memory/inner');
    assert.equal(ownCgroupDir('memory', IN_A_CONTAINER, '4:memory:/elsewhere\n'), null, 'our cgroup is not under the mount');
  });

  it('finds none on a cgroup v2-only host', () => {
    assert.equal(ownCgroupDir('memory', UNIFIED_ONLY, '0::/user.slice\n'), null);
  });
});

describe('the fallback without a cgroup', () => {
  const noCgroup = { mountinfo: UNIFIED_ONLY, procCgroup: '0::/\n' };

  it('limits each process\'s data memory through prlimit: a bigger allocation fails, a smaller one runs', async () => {
    const confinement = await confine({ memoryMiB: 64, cpus: 1 }, 'fallback', noCgroup);
    assert.equal(confinement.enforcedBy, 'rlimit-data');
    assert.match(confinement.description, /64 MiB of data memory per process .*no cgroup v1 memory controller/);
    const dd = (mib: number) => confinement.command(['/bin/busybox', 'dd', 'if=/dev/zero', 'of=/dev/null', `bs=${mib}M`, 'count=1']);
    const [program, ...args] = dd(128);
    await assert.rejects(run(program!, args), /dd: out of memory/);
    const [again, ...within] = dd(16);
    await run(again!, within);
    assert.deepEqual(confinement.usage(), { peakMiB: null, oomKills: null, cpuSeconds: null }, 'nothing measured (nothing was started through it), no OOM kill seen');
  });

  it('says so when nothing can hold the limits', async () => {
    const confinement = await confine({ memoryMiB: 64, cpus: 2 }, 'fallback', { ...noCgroup, path: '/nonexistent' });
    assert.equal(confinement.enforcedBy, 'none');
    assert.match(confinement.description, /64 MiB and 2 CPUs are NOT enforced: .*prlimit is not installed/);
    assert.deepEqual(confinement.command(['true']), ['true']);
  });
});

/** `busybox time` on stderr: `real 0m 1.02s`, `user 0m 0.98s`, `sys 0m 0.01s`; user + sys in seconds. */
function timedCpu(stderr: string): number {
  const seconds = (name: string) => {
    const m = new RegExp(`^${name}\\s+(\\d+)m\\s*([\\d.]+)s$`, 'm').exec(stderr);
    assert.ok(m, `no ${name} time in ${JSON.stringify(stderr)}`);
    return Number(m[1]) * 60 + Number(m[2]);
  };
  return seconds('user') + seconds('sys');
}

describe('the CPU time an app used', () => {
  it('is, without a cgroup, what the child the wrapper started and waited for used, with what it waited for', async () => {
    const confinement = await confine({ memoryMiB: 256, cpus: 1 }, 'cpu', { mountinfo: UNIFIED_ONLY, procCgroup: '0::/\n' });
    // A fixed amount of work, not a fixed time: a busy machine makes it slower, never smaller.
    const [program, ...args] = confinement.command(['/bin/busybox', 'time', '/bin/busybox', 'sh', '-c', 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done']);
    const child = confinement.spawnInside(() => spawn(program!, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
    assert.equal(code, 0, stderr);
    const reported = timedCpu(stderr);
    assert.ok(reported > 0.05, `the loop used ${reported} s of CPU`);
    const { cpuSeconds } = confinement.usage();
    assert.ok(cpuSeconds !== null && cpuSeconds >= reported - 0.05 && cpuSeconds <= reported + 0.25, `measured ${cpuSeconds} s, the loop says it used ${reported} s`);
  });

  it("reads the children's times from /proc/<pid>/stat, after a command name holding spaces and parentheses", () => {
    const fields = ['S', ...Array.from({ length: 12 }, (_, i) => String(i + 4)), '250', '30', '20', '0'];
    assert.equal(childrenCpuSeconds(`123 (a (b) c) ${fields.join(' ')}`), 2.8, 'cutime 250 + cstime 30 ticks');
    assert.equal(childrenCpuSeconds(null), null);
    assert.equal(childrenCpuSeconds('123 (x) S 1'), null, 'a line too short says nothing');
  });

  it("is, with a cgroup, its cpuacct.usage: the cpu cgroup's when the two are mounted together, else one of its own", () => {
    const root = mkdtempSync(join(tmpdir(), 'narrative-cgroup-'));
    try {
      for (const controller of ['memory', 'cpu', 'cpuacct']) mkdirSync(join(root, controller));
      const parents = { memory: join(root, 'memory'), cpu: join(root, 'cpu'), cpuacct: join(root, 'cpu') };
      const counters = (job: string, cpuacct: string | null) => {
        writeFileSync(join(root, 'memory', job, 'memory.max_usage_in_bytes'), String(48 * 1024 * 1024));
        writeFileSync(join(root, 'memory', job, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
        if (cpuacct) writeFileSync(join(cpuacct, job, 'cpuacct.usage'), '2504000000\n');
      };
      const together = CgroupV1Job.create('together', { memoryMiB: 64, cpus: 1 }, parents);
      counters('together', parents.cpu);
      assert.deepEqual(together.usage(), { peakMiB: 48, oomKills: 0, cpuSeconds: 2.5 });

      const apart = CgroupV1Job.create('apart', { memoryMiB: 64, cpus: 1 }, { ...parents, cpuacct: join(root, 'cpuacct') });
      counters('apart', join(root, 'cpuacct'));
      assert.equal(apart.usage().cpuSeconds, 2.5);

      const uncounted = CgroupV1Job.create('uncounted', { memoryMiB: 64, cpus: 1 }, { ...parents, cpuacct: null });
      counters('uncounted', null);
      assert.equal(uncounted.usage().cpuSeconds, null, 'no cpuacct controller: not measured here');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
