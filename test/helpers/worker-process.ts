/** For the worker processes tests spawn: announce readiness on stdout, drain and exit on SIGTERM. */
import type { Turnq } from '../../src/runtime/turnq.js';

export function serveUntilSigterm(turnq: Turnq, ready: string | number): void {
  process.stdout.write(`${JSON.stringify({ ready })}\n`);
  process.once('SIGTERM', () => {
    turnq.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
}
