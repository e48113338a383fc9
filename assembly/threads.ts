// A fork-join pool over shared linear memory: the main thread publishes a job (a function
// reference and a task count) in a control block and works on it too; worker instances sleep in
// `threadLoop` (memory.atomic.wait32) and claim task indices with compare-and-swap. The ticket
// word carries the job's generation in its high 16 bits, so a worker that wakes late can never
// claim a task of a newer job under an old one. Globals are per instance, i.e. per thread.

/**
 * A task is a function `(index: i32) => void` given by its index in the module's function table
 * (generated program code and the library share one table), called with call_indirect.
 */
export type TaskIndex = i32;

let control: usize = 0;
let threadIndex: i32 = 0;

const SEQ = 0;      // generation of the current job; workers wait on it
const NEXT = 4;     // (generation << 16) | next task index
const COUNT = 8;    // tasks in the current job
const FN = 12;      // the job's task (function table index)
const DONE = 16;    // tasks finished
const QUIT = 20;
const THREADS = 24; // threads taking part, main included
/**
 * Polls of the job word before a worker sleeps (some tens of microseconds). Short: when the
 * machine is busy and both threads share one core, a spinning worker takes that core from the
 * main thread's serial kernels (char-gpt step, 2 threads on one free core: 342 → 269 ms with
 * 1 << 15 instead of 1 << 20 polls); with a free core it costs nothing measurable (137 ms both).
 */
const SPIN_BEFORE_WAIT: i32 = 1 << 15;
/** Bytes of the control block, followed by JOB_ARG_BYTES of job arguments. */
export const CONTROL_BYTES: i32 = 64;
export const JOB_ARG_BYTES: i32 = 128;

/** Sets this instance's view of the pool; `threads` > 0 only on the main thread. */
export function setupThreads(block: usize, threads: i32): void {
  control = block;
  if (threads > 0) {
    memory.fill(block, 0, CONTROL_BYTES);
    atomic.store<i32>(block + THREADS, threads);
  }
}

export function threadCount(): i32 {
  return control == 0 ? 1 : max(1, atomic.load<i32>(control + THREADS));
}

/** 0 on the main thread, 1… on workers: selects per-thread scratch. */
export function currentThread(): i32 {
  return threadIndex;
}

/** Where the main thread leaves arguments for the running job's tasks. */
export function jobArgs(): usize {
  return control + CONTROL_BYTES;
}

function runTasks(gen: i32): void {
  while (true) {
    const ticket = atomic.load<i32>(control + NEXT);
    if ((ticket >>> 16) != gen) return;
    if ((ticket & 0xffff) >= atomic.load<i32>(control + COUNT)) return;
    if (atomic.cmpxchg<i32>(control + NEXT, ticket, ticket + 1) != ticket) continue;
    call_indirect<void>(<u32>atomic.load<i32>(control + FN), ticket & 0xffff);
    atomic.add<i32>(control + DONE, 1);
  }
}

/** Runs task(0…count-1) across the pool and returns when all are done. */
export function parallelFor(task: TaskIndex, count: i32): void {
  if (count <= 1 || threadCount() <= 1) {
    for (let i = 0; i < count; i++) call_indirect<void>(<u32>task, i);
    return;
  }
  const gen = (atomic.load<i32>(control + SEQ) + 1) & 0xffff;
  atomic.store<i32>(control + FN, task);
  atomic.store<i32>(control + COUNT, count);
  atomic.store<i32>(control + DONE, 0);
  atomic.store<i32>(control + NEXT, gen << 16);
  atomic.store<i32>(control + SEQ, gen);
  atomic.notify(control + SEQ);
  runTasks(gen);
  // spin rather than wait: the main thread of a browser may not block
  while (atomic.load<i32>(control + DONE) < count) {}
}

/** A worker's whole life: sleep until a job is published, help, repeat until stopped. */
export function threadLoop(index: i32): void {
  threadIndex = index;
  let seen = atomic.load<i32>(control + SEQ);
  while (true) {
    // A step's jobs come back to back, and waking from wait32 takes a scheduler round trip (long
    // enough on a busy machine that the main thread has claimed every task by then), so spin a
    // little before sleeping.
    for (let spin = 0; spin < SPIN_BEFORE_WAIT && atomic.load<i32>(control + SEQ) == seen; spin++) {}
    memory.atomic.wait32(control + SEQ, seen, -1);
    if (atomic.load<i32>(control + QUIT)) return;
    const gen = atomic.load<i32>(control + SEQ);
    if (gen != seen) {
      seen = gen;
      runTasks(gen);
    }
  }
}

export function stopThreads(): void {
  atomic.store<i32>(control + QUIT, 1);
  atomic.add<i32>(control + SEQ, 1);
  atomic.notify(control + SEQ);
}
