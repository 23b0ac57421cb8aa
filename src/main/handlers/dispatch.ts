/**
 * How both shells answer a request (the Electron app's ipc.ts and the web bridge): the payload is checked against
 * the shared contract, the handler runs, and the outcome comes back as the envelope the preload unwraps,
 * `{ ok: true, value }` or `{ ok: false, error: { code, message } }`. Failures the user cannot fix (an internal
 * error, a failed or crashed engine) also go to the error log with their stack.
 */
import { channels, type ChannelName, type IpcResult, type RequestOf, type ResponseOf } from '../../shared/api';
import { check, type Validator } from '../../shared/validate';
import { logError } from '../common/error-log';
import { toIpcError } from '../common/errors';

/** Answers one request on `channel` with `fn`; never throws (a handler's synchronous throw is caught too). */
export async function answer<C extends ChannelName>(
  channel: C,
  fn: (payload: RequestOf<C>) => ResponseOf<C> | Promise<ResponseOf<C>>,
  payload: unknown,
): Promise<IpcResult<ResponseOf<C>>> {
  const checked = check(channels[channel].request as Validator<RequestOf<C>>, payload);
  if (!checked.ok) {
    return {
      ok: false,
      error: { code: 'INVALID_REQUEST', message: `camscope could not understand the request "${channel}": ${checked.error.message}` },
    };
  }
  try {
    return { ok: true, value: await fn(checked.value) };
  } catch (e) {
    const error = toIpcError(e);
    if (error.code === 'INTERNAL' || error.code === 'ENGINE_FAILED' || error.code === 'ENGINE_CRASHED') logError(`request ${channel}`, e);
    return { ok: false, error };
  }
}
