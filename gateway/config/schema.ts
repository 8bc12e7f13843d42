import { Type, type Static, type TObject, type TSchema, type TUnion } from '@sinclair/typebox';
import { FeaturesConfigSchema } from '../features/feature-settings-schema.ts';
import { EffectsConfigSchema } from '../effects/effects-config.ts';
import { EventsConfigSchema } from '../events/events-config.ts';
import { PolicyConfigSchema } from '../policy/policy-config.ts';
import { SchedulerConfigSchema } from '../scheduler/scheduler-config.ts';

/**
 * The gateway's configuration, schema first. Every field has a default (so an empty file is a
 * valid config) and every object refuses unknown fields: a typo must stop the start, not be
 * silently ignored. examples/config.yaml documents each field with its default.
 */

const Strict = { additionalProperties: false } as const;

/** An object whose fields all have defaults, so the object itself defaults to `{}` filled in. */
function Section<T extends Record<string, TSchema>>(props: T, description: string) {
  return Type.Object(props, { ...Strict, default: {}, description });
}

const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'identifier: letters, digits, _ . -' });
const Point = Type.Tuple([Type.Number(), Type.Number()]);

export const StationSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 80 }),
    x: Type.Number({ default: 0, description: 'floor map position, metres' }),
    y: Type.Number({ default: 0 }),
    safetyCritical: Type.Boolean({ default: false }),
  },
  Strict,
);

/**
 * A union told apart by its `type` field. ajv's discriminator picks the one branch by the tag, so
 * defaults inside it are filled in (ajv fills none inside anyOf) and an error names the field of
 * the branch the user meant, not of the first branch tried. Needs ajv's `discriminator` option.
 */
function Tagged<T extends TObject[]>(branches: [...T], options: { default?: unknown; description?: string } = {}) {
  return Type.Unsafe<Static<TUnion<T>>>({ oneOf: branches, discriminator: { propertyName: 'type' }, ...options });
}

const SerialTransport = Type.Object(
  {
    type: Type.Literal('serial'),
    path: Type.Optional(Type.String({ minLength: 1 })),
    vendorId: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{4}$' })),
    productId: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{4}$' })),
    baudRate: Type.Integer({ minimum: 1200, maximum: 4000000, default: 921600 }),
  },
  Strict,
);
const BleTransport = Type.Object(
  {
    type: Type.Literal('ble'),
    name: Type.Optional(Type.String({ minLength: 1 })),
    address: Type.Optional(Type.String({ pattern: '^([0-9a-fA-F]{2}[:-]?){5}[0-9a-fA-F]{2}$' })),
    service: Type.Optional(Type.String({ minLength: 4 })),
  },
  Strict,
);
const Host = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9._:-]+$', default: '127.0.0.1' });
const TcpTransport = Type.Object(
  {
    type: Type.Literal('tcp'),
    host: Host,
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 4242, description: 'Gazepoint Control Open Gaze API server' }),
  },
  Strict,
);
const ZmqTransport = Type.Object(
  {
    type: Type.Literal('zmq'),
    host: Host,
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 50020, description: 'Pupil Remote (Pupil Capture / Service)' }),
  },
  Strict,
);
const SimulatedTransport = Type.Object({ type: Type.Literal('simulated') }, Strict);

const Mm = Type.Number({ exclusiveMinimum: 0, maximum: 10000 });
const Fov = Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 180 });
/** How gaze becomes degrees of visual angle (firmware-bridge/geometry/visual-angle.ts). */
const GeometrySchema = Tagged(
  [
    Type.Object({ type: Type.Literal('device') }, { ...Strict, description: 'as the device declares it (serial HELLO)' }),
    Type.Object(
      {
        type: Type.Literal('screen'),
        widthMm: Type.Optional(Mm),
        heightMm: Type.Optional(Mm),
        diagonalIn: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 400 })),
        resolution: Type.Optional(Type.Tuple([Type.Integer({ minimum: 1, maximum: 65535 }), Type.Integer({ minimum: 1, maximum: 65535 })])),
        distanceMm: Mm,
      },
      { ...Strict, description: 'gaze in fractions of a screen: its size (widthMm + heightMm, or diagonalIn + resolution) and the eye distance' },
    ),
    Type.Object({ type: Type.Literal('scene-camera'), hFovDeg: Fov, vFovDeg: Fov }, { ...Strict, description: 'gaze in normalised scene-camera coordinates: the camera field of view' }),
    Type.Object({ type: Type.Literal('norm') }, { ...Strict, description: 'keep normalised coordinates (0..1, origin top left), declared as such' }),
  ],
  { default: { type: 'device' } },
);

export const DeviceSchema = Type.Object(
  {
    id: Id,
    kind: Type.Union([Type.Literal('serial-eye-tracker'), Type.Literal('gazepoint-gp3'), Type.Literal('pupil-core'), Type.Literal('hrs-strap'), Type.Literal('polar-h10')]),
    transport: Tagged([SimulatedTransport, SerialTransport, TcpTransport, ZmqTransport, BleTransport]),
    silenceTimeoutMs: Type.Integer({ minimum: 100, maximum: 600000, default: 2000, description: 'silence after which sensor_lost is reported' }),
    geometry: GeometrySchema,
  },
  Strict,
);

export const WearerSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z]{2}-[0-9a-f]{4,16}$', description: 'pseudonym such as op-7f3a; never a name' }),
    role: Type.Union([Type.Literal('operator'), Type.Literal('driver')]),
    station: Type.Optional(Id),
    devices: Type.Array(DeviceSchema, { default: [], maxItems: 8 }),
    vehicleSpeedMps: Type.Number({ minimum: 0, maximum: 20, default: 2.5, description: 'drivers: assumed speed when no vehicle signal is configured' }),
  },
  Strict,
);

export const AoiSchema = Type.Object(
  {
    name: Id,
    role: Type.Union([Type.Literal('operator'), Type.Literal('driver')]),
    polygon: Type.Array(Point, { minItems: 3, maxItems: 64, description: "vertices in the device's gaze coordinates (deg)" }),
  },
  Strict,
);

/** MQTT connection security and protocol (shared by the JSON sink and the Sparkplug edge node). */
const TlsSection = Section(
  {
    ca: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: null, description: 'PEM file of the CA(s) to trust; null: the system store' }),
    cert: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: null, description: 'PEM client certificate' }),
    key: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: null, description: 'PEM client private key' }),
    rejectUnauthorized: Type.Boolean({ default: true, description: 'false only for a lab broker with a self-made certificate' }),
    servername: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: null, description: 'TLS SNI / certificate host name, when it differs from the url host' }),
  },
  'TLS toward the broker (used with mqtts:// and wss://)',
);
const MqttConnectionFields = {
  passwordFile: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: null, description: 'read the password from this file instead of writing it into the config' }),
  protocolVersion: Type.Union([Type.Literal(4), Type.Literal(5), Type.Null()], { default: null, description: '4 = MQTT 3.1.1, 5 = MQTT 5; null: 5 for a plant broker, 4 for the embedded one' }),
  keepaliveS: Type.Integer({ minimum: 5, maximum: 600, default: 30 }),
  reconnectMinMs: Type.Integer({ minimum: 100, maximum: 60000, default: 1000 }),
  reconnectMaxMs: Type.Integer({ minimum: 100, maximum: 600000, default: 30000 }),
  tls: TlsSection,
};
const MqttCommandsSection = Section(
  {
    enabled: Type.Boolean({ default: true }),
    actors: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$' }),
          role: Type.Union([Type.Literal('supervisor'), Type.Literal('team_lead'), Type.Literal('line_system')]),
          tokenSha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'hex SHA-256 of the token this actor must send' })),
        },
        Strict,
      ),
      { default: [], maxItems: 1000 },
    ),
    responseTopicPrefixes: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { default: [], description: 'MQTT 5 response topics the gateway may reply on (besides <base>/replies/)' }),
    maxPerMinute: Type.Integer({ minimum: 1, maximum: 100000, default: 600 }),
  },
  'commands over MQTT (cmd/<name>) and who may send them',
);
const MqttVehicleSpeedSection = Section(
  {
    enabled: Type.Boolean({ default: true }),
    staleAfterMs: Type.Integer({ minimum: 200, maximum: 600000, default: 3000, description: 'without a fresh message the configured vehicleSpeedMps is assumed again' }),
  },
  'drivers\' vehicle speed over MQTT (vehicles/<wearer>/speed)',
);
const MqttSummarySection = Section(
  {
    enabled: Type.Boolean({ default: false }),
    periodMs: Type.Integer({ minimum: 10000, maximum: 3600000, default: 60000 }),
  },
  'aggregate attention telemetry per wearer, QoS 1 through the outbox (wearers/<id>/summary)',
);
const SparkplugId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });
const SparkplugSection = Section(
  {
    enabled: Type.Boolean({ default: false }),
    url: Type.Union([Type.String({ pattern: '^(mqtts?|wss?|tcp|ssl)://' }), Type.Null()], { default: null, description: 'null: the same broker as mqtt' }),
    groupId: Type.Union([SparkplugId, Type.Null()], { default: null, description: 'null: the site id' }),
    edgeNodeId: Type.Union([SparkplugId, Type.Null()], { default: null, description: 'null: the gateway id' }),
    primaryHostId: Type.Union([SparkplugId, Type.Null()], { default: null, description: 'wait for spBv1.0/STATE/<id> online before NBIRTH' }),
    clientId: Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()], { default: null, description: 'null: afg-<site>-<gateway>-spb' }),
    publishPeriodMs: Type.Integer({ minimum: 100, maximum: 60000, default: 1000, description: 'attention metrics at most this often per wearer (alerts at once)' }),
    scoreDeadband: Type.Number({ minimum: 0, maximum: 1, default: 0.02, description: 'an attention score change smaller than this is not reported' }),
    maxHistorical: Type.Integer({ minimum: 0, maximum: 1000000, default: 10000, description: 'metric changes kept while offline, sent as is_historical afterwards' }),
  },
  'Sparkplug B 3.0 edge node (each wearer a device)',
);
const OutboxClassSchema = Type.Union([Type.Literal('telemetry'), Type.Literal('decision'), Type.Literal('alert')]);

const SupervisorUserSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.@-]{1,64}$', description: 'login name; shown in the audit trail' }),
    role: Type.Union([Type.Literal('supervisor'), Type.Literal('team_lead')], { default: 'supervisor' }),
    passwordHash: Type.String({ pattern: '^\\$scrypt\\$ln=[0-9]{1,2},r=[0-9]{1,2},p=[0-9]{1,2}\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$', description: 'from `afg hash-password`; never the password itself' }),
  },
  Strict,
);

/** dashboard.auth, dashboard.floorMode, dashboard.tls (dashboard/ owns these; see examples/config.yaml) */
const DashboardSections = {
  auth: Section(
    {
      users: Type.Array(SupervisorUserSchema, { default: [], maxItems: 500 }),
      sessionTtlS: Type.Integer({ minimum: 300, maximum: 7 * 24 * 3600, default: 8 * 3600, description: 'a session ends this long after login, s' }),
      idleTimeoutS: Type.Integer({ minimum: 60, maximum: 24 * 3600, default: 1800, description: 'a session unused this long ends, s' }),
      secureCookie: Type.Boolean({ default: false, description: 'Secure session cookie; implied by dashboard.tls' }),
      loginRateLimit: Section(
        {
          max: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
          windowS: Type.Integer({ minimum: 1, maximum: 86400, default: 60 }),
        },
        'login attempts per client address per window',
      ),
    },
    'supervisor login for write actions',
  ),
  tls: Type.Union([Type.Object({ certFile: Type.String({ minLength: 1 }), keyFile: Type.String({ minLength: 1 }) }, Strict), Type.Null()], {
    default: null,
    description: 'serve HTTPS with this PEM certificate and key (paths relative to the config file)',
  }),
  historyMinutes: Type.Integer({ minimum: 1, maximum: 120, default: 15, description: 'wearer detail charts span, min' }),
  floorMode: Section(
    {
      enabled: Type.Boolean({ default: false }),
      url: Type.Union([Type.String({ pattern: '^(mqtts?|wss?|tcp|ssl)://' }), Type.Null()], { default: null, description: "the site broker; null: this gateway's own broker" }),
      site: Type.Union([Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), Type.Null()], { default: null, description: "null: this gateway's site" }),
      username: Type.Union([Type.String(), Type.Null()], { default: null }),
      password: Type.Union([Type.String(), Type.Null()], { default: null }),
      offlineAfterS: Type.Integer({ minimum: 2, maximum: 3600, default: 15, description: 'a gateway with no message for this long is shown as silent' }),
      maxGateways: Type.Integer({ minimum: 1, maximum: 1000, default: 64 }),
      maxWearersPerGateway: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
    },
    'show the other gateways of the site from the site broker',
  ),
};

export const ConfigSchema = Type.Object(
  {
    site: Type.String({ default: 'site-1', pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    gateway: Type.String({ default: 'gw-1', pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    tickMs: Type.Integer({ minimum: 20, maximum: 1000, default: 50, description: 'pipeline tick; 50 ms = the driver policy rate of 20 Hz' }),
    dataDir: Type.String({ minLength: 1, default: './data' }),
    mqtt: Section(
      {
        url: Type.Union([Type.String({ pattern: '^(mqtts?|wss?|tcp|ssl)://' }), Type.Null()], { default: null, description: 'null: start the embedded broker' }),
        embeddedHost: Type.String({ default: '127.0.0.1' }),
        embeddedPort: Type.Integer({ minimum: 0, maximum: 65535, default: 1883, description: 'taken: the next free one; 0: any free port' }),
        clientId: Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()], { default: null }),
        username: Type.Union([Type.String(), Type.Null()], { default: null }),
        password: Type.Union([Type.String(), Type.Null()], { default: null }),
        attentionPeriodMs: Type.Integer({ minimum: 100, maximum: 60000, default: 1000 }),
        ...MqttConnectionFields,
        commands: MqttCommandsSection,
        vehicleSpeed: MqttVehicleSpeedSection,
        summary: MqttSummarySection,
      },
      'MQTT output toward line systems',
    ),
    sparkplug: SparkplugSection,
    outbox: Section(
      {
        maxEntries: Type.Integer({ minimum: 100, maximum: 10000000, default: 100000 }),
        maxBytes: Type.Integer({ minimum: 65536, default: 64 * 1024 * 1024, description: 'bytes of pending log lines' }),
        maxAgeMs: Type.Integer({ minimum: 60000, default: 7 * 24 * 3600 * 1000 }),
        dropOrder: Type.Array(OutboxClassSchema, { minItems: 3, maxItems: 3, uniqueItems: true, default: ['telemetry', 'decision', 'alert'], description: 'what goes first when full' }),
      },
      'persisted store-and-forward queue for alerts and decisions',
    ),
    dashboard: Section(
      {
        enabled: Type.Boolean({ default: true }),
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        allowRawGaze: Type.Boolean({ default: false }),
        ...DashboardSections,
      },
      'floor dashboard and HTTP API',
    ),
    inference: Section(
      {
        estimator: Type.String({
          default: 'rule-based',
          pattern: '^(rule-based|onnx|[a-z0-9][a-z0-9-]{0,63})$',
          description: "rule-based | onnx (the model named by inference.model) | a model name from the manifest",
        }),
        model: Type.String({ default: 'attention-state', pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: "model used when estimator is 'onnx'" }),
        modelDir: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: null, description: "folder with manifest.json and the .onnx files, relative to the config file; null: this installation's models/" }),
        executionProviders: Type.Array(Type.Union([Type.Literal('tensorrt'), Type.Literal('cuda'), Type.Literal('cpu')]), {
          default: ['tensorrt', 'cuda', 'cpu'],
          minItems: 1,
          uniqueItems: true,
        }),
        tensorrt: Section(
          {
            deviceId: Type.Integer({ minimum: 0, maximum: 63, default: 0 }),
            fp16: Type.Boolean({ default: true }),
            workspaceMb: Type.Integer({ minimum: 16, maximum: 65536, default: 1024 }),
            engineCache: Type.Boolean({ default: true }),
            engineCacheDir: Type.String({ minLength: 1, default: 'tensorrt-cache', description: 'relative to dataDir' }),
          },
          'TensorRT execution provider options',
        ),
        cuda: Section({ deviceId: Type.Integer({ minimum: 0, maximum: 63, default: 0 }) }, 'CUDA execution provider options'),
        cpuThreads: Type.Integer({ minimum: 0, maximum: 64, default: 1, description: "onnxruntime intra-op threads for CPU kernels; 0: onnxruntime's default (one per core)" }),
        hotSwap: Section(
          {
            enabled: Type.Boolean({ default: true }),
            pollMs: Type.Integer({ minimum: 100, maximum: 600000, default: 2000 }),
          },
          'load changed model files and switch them in between ticks',
        ),
      },
      'attention estimation',
    ),
    stations: Type.Array(StationSchema, { default: [] }),
    wearers: Type.Array(WearerSchema, { default: [] }),
    aois: Type.Array(AoiSchema, { default: [] }),
    features: FeaturesConfigSchema,
    events: EventsConfigSchema,
    simulation: Section(
      {
        enabled: Type.Boolean({ default: false }),
        scenario: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: null, description: 'scenario file, relative to the config file' }),
        seed: Type.Integer({ default: 1 }),
        gazeRateHz: Type.Integer({ minimum: 30, maximum: 2000, default: 120 }),
      },
      'simulated fleet: emulated devices driven by scripted scenarios',
    ),
    policy: PolicyConfigSchema,
    scheduler: SchedulerConfigSchema,
    effects: EffectsConfigSchema,
    logLevel: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug')], { default: 'info' }),
  },
  Strict,
);

export type GatewayConfig = Static<typeof ConfigSchema>;
export type StationConfig = Static<typeof StationSchema>;
export type WearerConfig = Static<typeof WearerSchema>;
export type DeviceConfig = Static<typeof DeviceSchema>;
export type GeometryConfig = Static<typeof GeometrySchema>;
export type AoiConfig = Static<typeof AoiSchema>;
