import type { ContextModule } from '../module.js';
import type { IdentityDeps } from './identityDeps.js';
import { authenticate } from './authenticate.js';
import { changeAvatar } from './changeAvatar.js';
import { createVerifiedUser } from './createVerifiedUser.js';
import { login } from './login.js';
import { me } from './me.js';
import { requestCode } from './requestCode.js';
import { resetPassword } from './resetPassword.js';
import { signUp } from './signUp.js';
import { updateDoctorProfile } from './updateDoctorProfile.js';
import { usersProjection } from './users.projection.js';
import { verifyOtp } from './verifyOtp.js';

/** Accounts, e-mail codes, passwords and tokens: the identity bounded context. */
export function createIdentityModule(deps: IdentityDeps) {
  return {
    projections: [usersProjection],
    signUp: signUp(deps),
    verifyOtp: verifyOtp(deps),
    resendOtp: requestCode(deps, 'verify_email'),
    forgotPassword: requestCode(deps, 'reset_password'),
    resetPassword: resetPassword(deps),
    login: login(deps),
    createVerifiedUser: createVerifiedUser(deps),
    changeAvatar: changeAvatar(deps),
    updateDoctorProfile: updateDoctorProfile(deps),
    me: me(deps),
    authenticate: authenticate(deps),
  } satisfies ContextModule & Record<string, unknown>;
}

export type IdentityModule = ReturnType<typeof createIdentityModule>;
