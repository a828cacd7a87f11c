export { Endpoint, EventEndpoint } from './endpoint.decorator';
export { Msg, MsgContext } from './msg.decorator';
export { UseMiddleware } from './use-middleware.decorator';
