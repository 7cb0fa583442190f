// The few globals that code in server/common shares between the browser and Node, declared here
// so server/common compiles with neither the DOM nor Node's types (the layer rule). Both
// runtimes provide each of them with (at least) this shape.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}
/** A timer handle: a number in the browser, a Timeout object in Node; opaque here. */
type TimerHandle = unknown;
declare function setTimeout(fn: () => void, ms?: number): TimerHandle;
declare function clearTimeout(handle: TimerHandle | undefined): void;
declare function setInterval(fn: () => void, ms?: number): TimerHandle;
declare function clearInterval(handle: TimerHandle | undefined): void;
declare const console: { error(...args: unknown[]): void; warn(...args: unknown[]): void };
