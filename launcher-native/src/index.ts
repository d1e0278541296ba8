// The package's public face, by layer (see README.md). The local cluster is `./cluster`, the wrapper `./wrapper`.
export * from './job-state.js';
export { syncDirectory, writeFileDurably } from './files/durable-file.js';
export { fileDigest } from './files/file-digest.js';
export { removeOwnedTree } from './files/remove-owned.js';
export { isRunning } from './processes/process-table.js';

// The job directory: the one owner of its files.
export { InvalidJobFile } from './job-dir/check.js';
export { checkJobSpec, readJobSpec, writeArrayTasks, writeJobSpec, type JobSpec, type ObjectInput, type RunnableJobSpec, type UpstreamInput } from './job-dir/job-spec.js';
export { hasResult, readResult, writeResult, type Enforcement, type JobResult, type MemoryUse, type Outcome, type UpstreamUse } from './job-dir/result.js';
export { declaredOutputs, type DeclaredOutputs } from './job-dir/outputs.js';
export { readSaved, writeSaved, type SavedOutputs } from './job-dir/saved.js';
export { appendLogLine, readLog, type LogLine, type LogStream, type NumberedLogLine } from './job-dir/log.js';
export { LogTail, type LogCheckpoint } from './job-dir/log-tail.js';
export { LOG_END_BYTES, readLogEnd, type EndLine } from './job-dir/log-end.js';
export { wrapperAlive } from './job-dir/wrapper-record.js';
export { ENDED_FOLDER, jobFolders, linkArrayTask, TASK_INDEX_VARIABLE } from './job-dir/layout.js';

// What runs on the node.
export * from './wrapper/runtimes/index.js';

// Schedulers.
export { SchedulerUnavailable, type Resources, type Scheduler, type SubmitRequest } from './schedulers/scheduler.js';
export { CommandNotFound, CommandTimedOut, execFileRunner, type CommandResult, type CommandRunner } from './schedulers/command-runner.js';
export { LocalScheduler, type LocalSchedulerOptions } from './schedulers/local.js';
export { SlurmScheduler, type SlurmSchedulerOptions } from './schedulers/slurm/slurm.js';
export { DockerScheduler, type DockerSchedulerOptions } from './schedulers/docker.js';
export { sacctArgv, sbatchArgv, scancelArgv, squeueArgv, queueOrderArgv, type SubmitOptions } from './schedulers/slurm/commands.js';
export { renderBatchScript, shellQuote, slurmTime, type BatchResources } from './schedulers/slurm/directives.js';
export { parseJobcompLine, parseSacct, parseSbatch, parseSqueue } from './schedulers/slurm/parse.js';
export { SLURM_STATES, toSchedulerStatus, type SlurmObservation } from './schedulers/slurm/state-table.js';

// Images.
export { buildBusyboxImage } from './images/busybox-image.js';
export { treeDigest } from './images/tree-digest.js';
export { importDirectoryImage } from './images/docker-import.js';
export { buildSquashfsImage, MKSQUASHFS_OPTIONS } from './images/squashfs-image.js';
export { buildOciArchive, packOciArchive } from './images/oci-archive.js';
export { InvalidImage, unpackOciArchive } from './images/oci-unpack.js';
export { aptSources, buildDebianImage, mmdebstrapArgv, type BuiltImage } from './images/debian-image.js';
export { IMAGE_PATH, PINNED_PACKAGE, recipeProblems, SOURCE_PATH, type ImageRecipe } from './images/recipe.js';
export { parseDpkgStatus, type PackageVersions } from './images/dpkg-status.js';
export type { PackageLock } from './images/package-lock.js';
export { LockedVersionsUnavailable, RecipeVersionsUnavailable, type UnavailablePackage } from './images/apt-availability.js';

// For tests and demos only: the private Docker engine.
export { engineDown, engineUp, type EngineInfo, type EngineOptions } from './local/docker-engine.js';
