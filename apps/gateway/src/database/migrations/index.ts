import { CreateGatewayTables1764345600000 } from './1764345600000-create-gateway-tables';
import { AddEnvironmentsAndSessionDeletion1765000000000 } from './1765000000000-add-environments-and-session-deletion';
import { AddSessionLastEventNumber1766000000000 } from './1766000000000-add-session-last-event-number';
import { KeepEventBodiesAsPublished1766000000001 } from './1766000000001-keep-event-bodies-as-published';
import { AddProjectionCheckpoints1767000000000 } from './1767000000000-add-projection-checkpoints';

/** Every migration, oldest first. A new one (from `npm run migration:generate`) is added here. */
export const gatewayMigrations = [
  CreateGatewayTables1764345600000,
  AddEnvironmentsAndSessionDeletion1765000000000,
  AddSessionLastEventNumber1766000000000,
  KeepEventBodiesAsPublished1766000000001,
  AddProjectionCheckpoints1767000000000,
];
