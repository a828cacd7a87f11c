/**
 * Status of Orion's WebSocket, gRPC, MQTT and HTTP clients, emitted on `client.status`.
 * `connected` once the connection (or gRPC channel) is up, `disconnected` when it was
 * closed or lost; the next call connects again.
 *
 * @publicApi
 */
export enum ClientStatus {
  CONNECTED = 'connected',
  DISCONNECTED = 'disconnected',
}
