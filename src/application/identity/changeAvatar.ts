import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import { changeAvatar as decideAvatar, userDecider } from '../../domain/identity/user.js';
import type { AvatarMimeType } from '../ports/avatarStorage.js';
import type { IdentityDeps } from './identityDeps.js';
import { userStream } from './identityStreams.js';

export const changeAvatar = (deps: IdentityDeps) =>
  async (cmd: { userId: string; bytes: Buffer; mimeType: AvatarMimeType }, ctx: CommandContext) => {
    const { url } = await deps.avatars.save(cmd);
    const result = await handle(deps.handler, userStream(cmd.userId), userDecider, (user) => decideAvatar(user, { avatarUrl: url }), ctx);
    await deps.waitForProjections(result.position);
    return { avatarUrl: url };
  };
