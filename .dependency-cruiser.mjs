// The layers of src/, top to bottom; a module imports only from its own layer or the ones below it.
// process (main.ts, process/) → http → oidc → domain → store → platform. See README.md, "Architecture".
const LAYERS = ['process', 'http', 'oidc', 'domain', 'store', 'platform'];
const pathOf = (layer) => (layer === 'process' ? '^src/(main\\.ts|process/)' : `^src/${layer}/`);

const upward = LAYERS.slice(1).map((layer, index) => ({
  name: `${layer}-imports-upward`,
  comment: `${layer}/ sits below ${LAYERS.slice(0, index + 1).join(', ')}: it must not import from them`,
  severity: 'error',
  from: { path: pathOf(layer) },
  to: { path: LAYERS.slice(0, index + 1).map(pathOf) },
}));

// The one import from src/ into tools/: starting the embedded FerretDB builds it first when needed.
const FERRETDB_SEAM = { from: '^src/platform/ferretdb\\.ts$', to: '^tools/ferretdb/build\\.ts$' };

export default {
  forbidden: [
    ...upward,
    {
      name: 'rules-are-pure',
      comment: 'domain/rules/ holds plain functions over plain data: no database, no I/O, only other rules (and types)',
      severity: 'error',
      from: { path: '^src/domain/rules/' },
      to: { pathNot: '^src/domain/rules/', dependencyTypesNot: ['type-only'], dependencyTypes: ['local', 'aliased'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'a module nothing imports is dead code (entry points excepted)',
      severity: 'error',
      from: { orphan: true, pathNot: ['\\.d\\.ts$', '(^|/)\\.[^/]+\\.(c|m)?js$', '^eslint\\.config\\.js$'] },
      to: {},
    },
    {
      name: 'src-imports-no-tests-or-tools',
      comment: 'the product does not depend on its tests, bench, scripts or tools (one exception below)',
      severity: 'error',
      from: { path: '^src/', pathNot: FERRETDB_SEAM.from },
      to: { path: '^(test|bench|scripts|tools)/' },
    },
    {
      name: 'src-builds-ferretdb-through-one-seam',
      comment:
        'the first `npm start` or `npm test` on a machine builds FerretDB when no binary is cached, so the module ' +
        'that starts it may call the build tool, and only that tool: the build and its patches stay out of src/',
      severity: 'error',
      from: { path: FERRETDB_SEAM.from },
      to: { path: '^(test|bench|scripts|tools)/', pathNot: FERRETDB_SEAM.to },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
