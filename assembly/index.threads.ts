// The threaded variants' second entry point (besides index.ts): the fork-join pool and the
// library functions that split work across it. Atomics need the threads feature, so the
// single-threaded variants do not include this file.

export { gemmParallel, GEMM_JOB_BYTES } from './gemm';
export { poolForwardParallel, poolBackwardParallel, POOL_JOB_BYTES } from './pool';
export { setupThreads, stopThreads, threadLoop, parallelFor, currentThread, CONTROL_BYTES, JOB_ARG_BYTES } from './threads';
