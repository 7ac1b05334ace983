// Moved to openapi/openApiDocument.ts (outside http/, which must not import the modules);
// kept until createServer imports it from there.
export { installOpenApi } from '../openapi/openApiDocument.ts';
