// Calls the scoring API with the npm perspective-api-client, unchanged.
//
// The client posts to a constant URL (COMMENT_ANALYZER_URL in its index.js) and has no
// option for another host; it sends through the axios module it depends on, so an
// interceptor on that same module sends the request to us instead. Usage:
//   node analyze.js BASE_URL KEY TEXT
'use strict';
const axios = require('axios');
const Perspective = require('perspective-api-client');

const [base, key, text] = process.argv.slice(2);
const GOOGLE = 'https://commentanalyzer.googleapis.com/v1alpha1';

axios.interceptors.request.use(config => {
  if (config.url.startsWith(GOOGLE)) {
    config.url = base.replace(/\/$/, '') + '/v1alpha1' + config.url.slice(GOOGLE.length);
  }
  return config;
});

new Perspective({apiKey: key})
  .analyze(text, {attributes: ['toxicity', 'insult']})
  .then(result => console.log(JSON.stringify({ok: result})))
  .catch(error => console.log(JSON.stringify({error: error.name, message: error.message})));
