// The API page: swagger-ui renders the gateway's contract. "Try it out" sends the key the
// console keeps for this tab (sessionStorage), in the Authorization header, never in a URL.
'use strict';
(function () {
  const messages = document.getElementById('messages');
  function show(text) {
    const p = document.createElement('p');
    p.textContent = text;
    messages.append(p);
  }
  if (typeof window.SwaggerUIBundle !== 'function') {
    show('swagger-ui did not load.');
    return;
  }
  window.SwaggerUIBundle({
    url: '/openapi.yaml',
    dom_id: '#swagger-ui',
    deepLinking: false,
    validatorUrl: null,
    requestInterceptor: (request) => {
      const key = sessionStorage.getItem('flywheel.key');
      if (key && request.url.indexOf('/openapi.yaml') < 0) {
        request.headers.Authorization = 'Bearer ' + key;
      }
      return request;
    },
    onComplete: () => document.body.setAttribute('data-loaded', 'true'),
  });
})();
