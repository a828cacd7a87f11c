// The request every echo scenario sends: a ~100-byte JSON object (the reply is the same).
export const ECHO_PAYLOAD = Object.freeze({
  orderId: 'ord-7f3a9c21',
  userId: 'u-48213',
  items: [3, 14, 15],
  total: 92.65,
  note: 'benchmark echo payload',
});

export const ECHO_PAYLOAD_BYTES = Buffer.byteLength(JSON.stringify(ECHO_PAYLOAD));
