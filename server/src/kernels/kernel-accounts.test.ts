import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KernelAccounts } from './kernel-accounts.js';
import { serverArgv, userDirs } from './launch.js';
import { DEFAULT_KERNEL_UIDS, kernelConfigFrom, kernelSettings } from './settings.js';

const range = { first: 2_000_000_000, last: 2_000_000_009 };
const hpcAlice = { uid: 5001, gid: 5001, user: 'hpc_alice' };

describe("the account each user's kernels run as", () => {
  it('is the mapped account for a mapped user, else first + user id with the same gid', async () => {
    const accounts = new KernelAccounts({ mapped: new Map([['alice', hpcAlice]]), range, forbiddenUids: [0, 999], forbiddenGids: [0, 995] });
    assert.deepEqual(await accounts.of({ id: 7, name: 'alice' }), { ...hpcAlice, allocated: false });
    assert.deepEqual(await accounts.of({ id: 3, name: 'bob' }), { uid: 2_000_000_003, gid: 2_000_000_003, user: 'narrative-kernel-3', allocated: true });
  });

  it("refuses root, the apps' account, a user past the range, and an id that belongs to someone", async () => {
    const accounts = new KernelAccounts({
      mapped: new Map([['root-ish', { uid: 5002, gid: 0, user: 'wheel' }], ['runner', { uid: 999, gid: 995, user: 'narrative-runner' }]]),
      range, forbiddenUids: [0, 999], forbiddenGids: [0, 995],
    });
    await assert.rejects(accounts.of({ id: 1, name: 'root-ish' }), (e: { status: number; detail: string }) => e.status === 503 && /root/.test(e.detail));
    await assert.rejects(accounts.of({ id: 2, name: 'runner' }), /the account apps/);
    await assert.rejects(accounts.of({ id: 10, name: 'late' }), /past the end of NARRATIVE_KERNEL_UIDS/);
    // nobody's uid, as every Debian system has it.
    const taken = new KernelAccounts({ mapped: new Map(), range: { first: 65_533, last: 70_000 }, forbiddenUids: [0], forbiddenGids: [0] });
    await assert.rejects(taken.of({ id: 1, name: 'carol' }), /belongs to an existing account/);
  });

  it("refuses two users on one account, accounts sharing a primary group, and the apps' group: job directories are open to their account's group", async () => {
    const accounts = new KernelAccounts({
      mapped: new Map([
        ['alice', hpcAlice], ['alias', hpcAlice],
        ['carol', { uid: 5003, gid: 100, user: 'hpc_carol' }], ['dave', { uid: 5004, gid: 100, user: 'hpc_dave' }],
        ['erin', { uid: 5005, gid: 995, user: 'hpc_erin' }], ['frank', { uid: 5006, gid: 5006, user: 'hpc_frank' }],
      ]),
      range, forbiddenUids: [0, 999], forbiddenGids: [0, 995],
    });
    await assert.rejects(accounts.of({ id: 1, name: 'alice' }), /alice and alias are both mapped to hpc_alice/);
    await assert.rejects(accounts.of({ id: 3, name: 'carol' }), /share their primary group \(gid 100\)/);
    await assert.rejects(accounts.of({ id: 5, name: 'erin' }), /apps' account's primary group/);
    assert.deepEqual(await accounts.of({ id: 6, name: 'frank' }), { uid: 5006, gid: 5006, user: 'hpc_frank', allocated: false });
  });
});

describe('code-cell settings', () => {
  it('reads the uid range and limits from the environment, with defaults for the rest', () => {
    const config = kernelConfigFrom({ NARRATIVE_KERNEL_UIDS: '3000000-3999999', NARRATIVE_KERNEL_IDLE_MINUTES: '5', NARRATIVE_KERNEL_MEMORY_MIB: '1024' });
    assert.deepEqual(config.uids, { first: 3_000_000, last: 3_999_999 });
    assert.equal(config.idleSeconds, 300);
    assert.equal(config.memoryMiB, 1024);
    assert.equal(config.processes, 512);
    assert.deepEqual(kernelSettings({ enabled: true, python: '/usr/bin/python3' }).uids, DEFAULT_KERNEL_UIDS);
    for (const bad of ['0-10', '5000-4000', '1000', '1000-4294967295']) assert.throws(() => kernelConfigFrom({ NARRATIVE_KERNEL_UIDS: bad }), /NARRATIVE_KERNEL_UIDS/);
    assert.throws(() => kernelConfigFrom({ NARRATIVE_KERNEL_PROCESSES: '0' }), /positive/);
  });

  it("drops to the user's uid with no groups, under limits, before Python starts, as one argv", () => {
    const argv = serverArgv('/usr/bin/python3', { uid: 2_000_000_003, gid: 2_000_000_003, user: 'k', allocated: true }, { memoryMiB: 1024, processes: 64 }, userDirs('/d/run/jupyter/3'));
    assert.deepEqual(argv.slice(0, 14), [
      'setpriv', '--pdeathsig', 'KILL', '--reuid', '2000000003', '--regid', '2000000003', '--clear-groups', '--',
      'prlimit', `--as=${1024 * 1024 * 1024}`, '--nproc=64', '--', '/usr/bin/python3',
    ]);
    assert.ok(argv.includes('--ServerApp.sock=/d/run/jupyter/3/run/jupyter.sock'));
    assert.ok(!argv.some((a) => /token/i.test(a)), 'the token is never on a command line');
  });
});
