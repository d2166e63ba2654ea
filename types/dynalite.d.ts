// dynalite ships no types; this is the part of its API the local stack and the tests use.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** Keep data in a LevelDB directory instead of memory. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }

  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}

// dynalite's store internals: the item size its ConsumedCapacity is computed from (attribute names and values).
declare module 'dynalite/db' {
  type AttributeValueJson = Readonly<Record<string, unknown>>;
  export function itemSize(item: Readonly<Record<string, AttributeValueJson>>): number;
}
