// Types of what the API sends, from the server's own schemas (dashboard/api-schemas.ts).
export type {
  AlertDetailJson,
  AlertJson,
  AuditEntryJson,
  DecisionJson,
  DeviceStatusJson,
  EffectsJson,
  ErrorJson,
  FloorSnapshotJson,
  GatewayStatusJson,
  HistoryJson,
  LoginReplyJson,
  SessionJson,
  StationView,
  WearerDetailJson,
  WearerViewJson,
} from '../api-schemas.ts';
export type { CommandReply as CommandReplyJson } from '../../gateway/commands/command-schemas.ts';
