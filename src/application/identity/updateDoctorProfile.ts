import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import { updateDoctorProfile as decideProfile, userDecider, type DoctorProfile } from '../../domain/identity/user.js';
import type { IdentityDeps } from './identityDeps.js';
import { userStream } from './identityStreams.js';

/** A doctor's listing details (fee, specialization, time zone…); other contexts read them from `users`. */
export const updateDoctorProfile = (deps: IdentityDeps) =>
  async (cmd: { userId: string } & DoctorProfile, ctx: CommandContext) => {
    const { userId, ...profile } = cmd;
    const result = await handle(deps.handler, userStream(userId), userDecider, (user) => decideProfile(user, profile), ctx);
    await deps.waitForProjections(result.position);
    return { position: result.position };
  };
