/**
 * Where a keystroke's echo spends its time inside the server, for benches. A TerminalSession
 * publishes, on a diagnostics channel, when it wrote a keystroke to the shell, when the shell's
 * next output was read and when that output was handed to the socket. Nothing is measured unless
 * someone subscribes (bench/terminalNode.ts does, in the server it starts). Times are
 * CLOCK_MONOTONIC (process.hrtime), which every process on the machine shares, so a client's own
 * send and arrival times line up with them: client → server, the engine's round trip (the path
 * raw `docker exec -it` takes too), the server's own work, server → client.
 */
import diagnostics_channel from 'node:diagnostics_channel';

export const ECHO_TRACE_CHANNEL = 'shiplab:terminal:echo';

export interface EchoTiming {
  /** The keystroke written to the shell's stream (ms, monotonicMs). */
  written: number;
  /** The shell's next output read from it. */
  read: number;
  /** That output about to be handed to the learner's socket (before the write: the kernel
   * delivers loopback within the call, so a client can have it before the call returns);
   * undefined when it waited for a batch (the shell was flooding or bursting) or was not sent
   * (a Ctrl-C skip, no socket). */
  sent: number | undefined;
}

export const echoTrace = diagnostics_channel.channel(ECHO_TRACE_CHANNEL);

/** CLOCK_MONOTONIC in ms, to the µs: the same clock in every process of the machine
 * (performance.now() counts from each process's own start). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}
