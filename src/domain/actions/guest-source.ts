import { TRIGGER_API, type TriggerType } from '../rules/action-flows.ts';
import { PROFILE_SETTERS } from '../rules/pre-creation-profile.ts';

/**
 * The program the sandbox runs for a script action: ZITADEL v1's globals (`ctx`, `api`, `http`, `console`) built over
 * the sandbox's host functions (platform/sandbox/protocol.ts), the action's script, and the call of the function the
 * script defines under the action's name, as ZITADEL calls it: `name(ctx, api)`. `ctx` is frozen (read-only views);
 * `api.v1` offers only what the trigger allows (domain/rules/action-flows.ts), each call recorded for the host to
 * apply after the script returned.
 */
const PRELUDE = `"use strict";
const __freeze = (value) => {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) __freeze(value[key]);
  }
  return value;
};
const __input = JSON.parse(__inputJson);
const __call = (name) => (...args) => { __record(name, JSON.stringify(args)); };
const __metadata = () => {
  const metadata = JSON.parse(JSON.stringify(__input.data.metadata));
  return { count: metadata.length, metadata };
};
const ctx = __freeze({
  v1: { ...__input.data.v1, user: { ...__input.data.v1.user, getMetadata: __metadata }, getMetadata: __metadata },
});
const api = (() => {
  const allowed = new Set(__input.operations);
  const v1 = { claims: {}, user: {} };
  for (const name of ["setClaim", "appendLogIntoClaims", "appendRoleToClaims"])
    if (allowed.has(name)) v1.claims[name] = __call(name);
  if (allowed.has("appendMetadata")) v1.user.appendMetadata = __call("appendMetadata");
  if (allowed.has("setDenied")) v1.setDenied = __call("setDenied");
  // ZITADEL v1's pre-creation offers the profile setters on \`api\` itself, not under \`api.v1\`.
  const top = {};
  for (const name of ${JSON.stringify(PROFILE_SETTERS)}) if (allowed.has(name)) top[name] = __call(name);
  return __freeze({ ...top, v1 });
})();
const console = __freeze({ log: __call("log") });
const http = __freeze({
  fetch(url, options) {
    if (typeof __fetch !== "function") throw new Error("http.fetch: this action has no allowed hosts");
    const answer = JSON.parse(__fetch(String(url), JSON.stringify(options ?? {})));
    if (answer.error) throw new Error(answer.error);
    const { status, body } = answer;
    return { status, body, text: () => body, json: () => JSON.parse(body) };
  },
});
`;

/** Names a script's entry function may have: a JavaScript identifier. */
export const ACTION_NAME_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$]{0,199}$/;

export function guestSource(name: string, script: string): string {
  const call = `if (typeof ${name} !== "function") throw new Error("the script defines no function ${name}");`;
  return `${PRELUDE}\n${script}\n;${call}\n${name}(ctx, api);\n`;
}

export function guestInput(trigger: TriggerType, data: unknown): unknown {
  return { operations: TRIGGER_API[trigger], data };
}
