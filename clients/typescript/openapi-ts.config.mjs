// @hey-api/openapi-ts: the SDK that tests/clients/test_hey_api_sdk.py generates, compiles with
// `tsc --strict` (tsconfig.sdk.json) and drives against a live sandbox with sdk-driver.ts.
export default {
  input: "../../openapi/openapi.json",
  output: { path: "generated/hey-api", importFileExtension: ".js" },
};
