import type { Logger } from 'pino';
import { ConfigError, type EnvSpec } from './env.js';
import { describeFailure } from './failure.js';
import { EXIT, type ProgramInfo, usage } from './usage.js';

/** A program as its main.ts runs it: who it is, what it reads, and how it parses that. */
export interface Program<C extends { readonly LOG_LEVEL: string }> extends ProgramInfo {
  readonly env: EnvSpec;
  readonly load: (env: NodeJS.ProcessEnv) => C;
}

/**
 * The start every program shares: `--help` (or `-h`) prints the usage and exits 0 before anything
 * is read; invalid configuration prints every problem and exits 78; any other failure to start
 * is one log line and exit 1, never a stack.
 */
export async function runProgram<C extends { readonly LOG_LEVEL: string }>(
  program: Program<C>,
  log: Logger,
  start: (config: C) => Promise<void>,
  args: readonly string[] = process.argv.slice(2),
): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage(program, program.env));
    return;
  }
  try {
    if (args.length > 0) throw new ConfigError([`unknown argument ${args[0]}: see --help`]);
    const config = program.load(process.env);
    log.level = config.LOG_LEVEL;
    await start(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      const count = error.problems.length === 1 ? '1 problem' : `${error.problems.length} problems`;
      process.stderr.write(
        `${program.name}: invalid configuration, ${count} (--help lists every variable):\n` +
          error.problems.map((problem) => `  ${problem}\n`).join(''),
      );
      process.exit(EXIT.config);
    }
    const line = `cannot start: ${describeFailure(error)}`;
    // LOG_LEVEL=silent still may not end without a word.
    if (log.isLevelEnabled('fatal')) log.fatal(line);
    else process.stderr.write(`${program.name}: ${line}\n`);
    process.exit(EXIT.failed);
  }
}
