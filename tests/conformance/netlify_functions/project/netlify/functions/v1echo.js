// Echoes the Lambda event fields that do not depend on the server's address.
exports.handler = async (event) => ({
  statusCode: 200,
  headers: { "content-type": "application/json", "x-single": "a" },
  multiValueHeaders: { "set-cookie": ["a=1", "b=2"] },
  body: JSON.stringify({
    path: event.path,
    httpMethod: event.httpMethod,
    queryStringParameters: event.queryStringParameters,
    multiValueQueryStringParameters: event.multiValueQueryStringParameters,
    rawQuery: event.rawQuery,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    contentType: event.headers["content-type"] ?? null,
  }),
});
