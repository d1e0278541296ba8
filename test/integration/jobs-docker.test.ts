import { dockerExecution, startEngine } from '../support/docker-harness.js';
import { startHarness, type Harness } from '../support/harness.js';
import { jobContract } from '../support/job-contract.js';
import { buildDockerTestApp } from '../support/test-app.js';

let engine: Awaited<ReturnType<typeof startEngine>> | undefined;

jobContract(
  'jobs on a real (private) Docker engine through dockerode',
  async () => {
    engine = await startEngine();
    return startHarness(['alice', 'bob'], dockerExecution(engine.socket));
  },
  async (h: Harness) => {
    await h.stop();
    await engine?.stop();
  },
  { app: () => buildDockerTestApp(engine!.socket), runtime: 'docker' },
);
