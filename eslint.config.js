import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const HAND_BUILT_STRING = ':matches(Literal, TemplateLiteral, BinaryExpression)';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', '.cache/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          // The key argument of cached(instanceId, key, load), when spelled out as a string.
          selector: `CallExpression[callee.name='cached'] > ${HAND_BUILT_STRING}.arguments:nth-child(2)`,
          message: 'Build cache keys with cacheKeys (src/store/cache/keys.ts), not by hand.',
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
