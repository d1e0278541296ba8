import type { Command } from 'commander';
import { nginxConf } from '../../deploy/nginx-conf.js';
import { UsageError } from '../usage.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export function deployCommands(program: Command): void {
  const deploy = program.command('deploy').description('configuration for running the platform at a centre');
  deploy
    .command('nginx-conf')
    .description('print an nginx configuration (for conf.d/) that balances requests over server replicas, websockets and the kernel proxy included')
    .requiredOption('--replica <host:port>', 'a replica (`narrative serve` on PostgreSQL and the shared data directory); repeat for each', collect, [])
    .option('--listen <port>', 'what nginx listens on: a port, or address:port', '8080')
    .action((options: { replica: string[]; listen: string }) => {
      try {
        process.stdout.write(nginxConf({ replicas: options.replica, listen: options.listen }));
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    });
}
