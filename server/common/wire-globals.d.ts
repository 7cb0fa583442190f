// The few globals that wire code shares between the browser and Node, declared here so
// server/common compiles with neither the DOM nor Node's types (the layer rule).
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}
