// Local stand-ins for the outside services — push (APNs, FCM) and providers (WHOOP, Google Calendar, Microsoft identity
// platform + Graph) — and the small HTTP server they are built on, shared by the integrations service's tests and the
// whole-stack tests (@omtobe/testing/fakes). The real client libraries talk to them.
export * from './apns-server.ts';
export * from './fcm-server.ts';
export * from './http-server.ts';
export * from './jwt.ts';
export * from './tls.ts';
export * from './whoop-server.ts';
export * from './google-server.ts';
export * from './graph-server.ts';
export * from './provider-env.ts';
