import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ownCgroupDir } from './cgroup-v1.js';
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
    assert.deepEqual(confinement.usage(), { peakMiB: null, oomKills: null }, 'nothing measured, no OOM kill seen');
  });

  it('says so when nothing can hold the limits', async () => {
    const confinement = await confine({ memoryMiB: 64, cpus: 2 }, 'fallback', { ...noCgroup, path: '/nonexistent' });
    assert.equal(confinement.enforcedBy, 'none');
    assert.match(confinement.description, /64 MiB and 2 CPUs are NOT enforced: .*prlimit is not installed/);
    assert.deepEqual(confinement.command(['true']), ['true']);
  });
});
