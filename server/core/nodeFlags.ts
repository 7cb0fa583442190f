/**
 * Node/V8 flags the server runs with: `npm start` passes them (package.json), the benches pass
 * them to the servers they start, and nodeFlags.test.ts keeps the two the same.
 *
 * --single-threaded-gc: the server shares a few cores with every sandbox's processes; V8's
 * parallel scavenges then wait for helper threads the scheduler has not run yet. Measured with
 * `bench:terminal --node` on this 2-core machine, learner B flooding `yes`: longest GC pause
 * 11.5 → 5.4 ms, A's echo p99 17.5 → 9.6 ms (raw `docker exec -it` in the same run: 9.7 ms).
 *
 * --no-memory-reducer: V8 shrinks the heap with full collections ~8 s after allocation slows
 * down, i.e. exactly when a room goes quiet and learners type; with --trace-gc one such
 * "Mark-Compact (reduce)" paused the server 18.9 ms in the idle-echo phase of the bench (the
 * longest pause of that phase). The heap then stays at the size the last burst needed (tens of
 * MiB here), which the RSS figures of the bench include.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--single-threaded-gc', '--no-memory-reducer'];
