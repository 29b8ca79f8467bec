import { ConfigError, loadConfig, type Config } from '../../infrastructure/config.js';

/** EX_CONFIG (sysexits.h): what every command exits with when the environment is not a valid configuration. */
export const EXIT_CONFIG = 78;

/** The configuration, or null once a configuration error (naming the variable) has been printed. */
export function configOrReport(): Config | null {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return null;
  }
}
