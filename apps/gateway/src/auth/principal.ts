/**
 * Who is calling. Today the master key is the only credential, and it acts as one fixed principal
 * that may manage any owner's agents and sessions. Per-owner API keys will add principals here.
 */
export interface Principal {
  /** The owner id this principal's runtime credentials are stored under. */
  ownerId: string;
  /** May read and write on behalf of any owner_id (the master key). */
  actsForAnyOwner: boolean;
}

/** The owner the master key stands for: its Cursor credentials are stored under this id. */
export const MASTER_KEY_OWNER_ID = 'default';

export const MASTER_KEY_PRINCIPAL: Principal = { ownerId: MASTER_KEY_OWNER_ID, actsForAnyOwner: true };

/**
 * Which owner's rows a query may see: the master key sees every owner (or the one it asks for); any
 * other principal only its own.
 */
export function ownerFilter(principal: Principal, requestedOwnerId?: string): string | undefined {
  return principal.actsForAnyOwner ? requestedOwnerId : principal.ownerId;
}

/** Whether a row owned by `ownerId` is visible to the principal. */
export function canSee(principal: Principal, ownerId: string): boolean {
  return principal.actsForAnyOwner || principal.ownerId === ownerId;
}
