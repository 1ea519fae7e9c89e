/**
 * Posts realistic Kommunicate webhook traffic at a running kommhook, for
 * demos, for the dashboard and as load:
 *
 *   npm run simulate -- --url http://127.0.0.1:3000/message/forward --token <webhook token> \
 *     --messages 5000 --conversations 200 --rate 100
 *
 * Progress goes to stderr, the summary to stdout. Exit code 0 when every
 * request got its expected answer (duplicates for redeliveries are expected),
 * 1 when some did not, 2 on bad arguments, 130 when interrupted (Ctrl-C).
 *
 * Only the entry point: the parts live in simulate/ (cli, runner, report, progress).
 */
import { main } from './simulate/cli';

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `simulate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
