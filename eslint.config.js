import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // clients/ is generated code (npm run client:generate), type-checked by its own tsconfig.
  { ignores: ['node_modules', 'dist', 'data', 'bench/results', 'coverage', 'clients'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['tests/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['src/interfaces/http/public/**/*.js'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', io: 'readonly', RTCPeerConnection: 'readonly', navigator: 'readonly', fetch: 'readonly', URLSearchParams: 'readonly', console: 'readonly' } },
  },
);
