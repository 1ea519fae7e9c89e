export interface StoreProbeTable {
  id: number;
  checked_at: number;
}

/** The store's own tables: every feature keeps its tables beside itself. */
export interface StorageTables {
  store_probe: StoreProbeTable;
}
