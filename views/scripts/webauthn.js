/* global document, SimpleWebAuthnBrowser */
// Runs the page's WebAuthn ceremony (registration or authentication) with @simplewebauthn/browser when its form is
// sent, then sends the authenticator's answer to the server in the form's `response` field. The options, with the
// challenge the server keeps for this session, are in the page (a JSON script element, not executed).
(function () {
  const form = document.getElementById('webauthn-form');
  if (!form) return;
  const optionsJSON = JSON.parse(document.getElementById('webauthn-options').textContent);
  const status = document.getElementById('webauthn-status');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.textContent = '';
    try {
      const response =
        form.dataset.ceremony === 'register'
          ? await SimpleWebAuthnBrowser.startRegistration({ optionsJSON })
          : await SimpleWebAuthnBrowser.startAuthentication({ optionsJSON });
      form.elements.response.value = JSON.stringify(response);
      form.submit();
    } catch (error) {
      status.textContent = `Your security key or passkey did not answer (${error.name}). Please try again.`;
    }
  });
})();
