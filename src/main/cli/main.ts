#!/usr/bin/env node
/** Executable entry of the `camscope` CLI: wires process streams and Ctrl-C (cancel) to runCli. */
import { runCli } from './run';

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  // First Ctrl-C cancels cleanly (partial results are written); a second one exits at once.
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort();
});

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
process.exitCode = code;
