import { jobContract } from '../support/job-contract.js';
import { startHarness, type Harness } from '../support/harness.js';
import { slurmExecution, startCluster } from '../support/slurm-harness.js';

let stopCluster: () => Promise<void> = async () => undefined;

jobContract(
  'jobs on a real (local) Slurm with Charliecloud',
  async () => {
    const { cluster, stop } = await startCluster();
    stopCluster = stop;
    return startHarness(['alice', 'bob'], slurmExecution(cluster));
  },
  async (h: Harness) => {
    await h.stop();
    await stopCluster();
  },
);
