/** A page when the caller asks for none (page_size 0). */
export const defaultPageSize = 20;

/** The most rows one page returns, whatever the caller asks for. */
export const maxPageSize = 100;

/** The contract's rule: 0 means the default, anything above the cap means the cap. */
export function resolvePageSize(requested: number): number {
  if (!Number.isInteger(requested) || requested <= 0) return defaultPageSize;
  return Math.min(requested, maxPageSize);
}

/** One page of a history, newest first; `hasMore` when older rows exist beyond its last entry. */
export interface Page<T> {
  entries: T[];
  hasMore: boolean;
}
