// Starts a TypeScript worker entry (workerData.entry, a file URL) under tsx, so the web bridge can run the real
// src/main/engine-worker.ts in a worker thread without building it first.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
