import { jobContract } from '../support/job-contract.js';
import { startHarness } from '../support/harness.js';

jobContract('jobs on the local scheduler with Charliecloud', () => startHarness(['alice', 'bob']));
