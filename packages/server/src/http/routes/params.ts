import { CallIdString, CallTypeString } from '@switchboard/protocol';
import { Type } from 'typebox';

export const CallParams = Type.Object({ type: CallTypeString, id: CallIdString });
export interface CallParams {
  type: string;
  id: string;
}
export const CallTypeParams = Type.Object({ name: CallTypeString });

/** The query parameters every authenticated route accepts, for the OpenAPI document. */
export const AuthQuery = Type.Object({ api_key: Type.String() });
