// Local stand-ins for the push services (APNs, FCM) and the small HTTP server fakes are built on, shared by the
// integrations service's tests and the whole-stack tests (@omtobe/testing/fakes).
export * from './apns-server.ts';
export * from './fcm-server.ts';
export * from './http-server.ts';
export * from './jwt.ts';
export * from './tls.ts';
