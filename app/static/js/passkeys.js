/* Passkeys (WebAuthn) for the two-step sign-in pages: no dependencies, no inline script (strict CSP).

   A form marked data-passkey="register" or "authenticate" is hidden in the HTML. Where the browser has
   WebAuthn it is shown; where not, the page's [data-passkey-unsupported] message is. On submit:
   1. POST to the form's data-options URL (same CSRF token as the form) for the options: the server keeps
      the challenge, bound to this session;
   2. navigator.credentials.create() or get() with them (base64url <-> ArrayBuffer here);
   3. the answer, as JSON, goes into the form's hidden "credential" field and the form is submitted: the
      server checks it and answers with a page, like any other form. */
(function () {
  "use strict";

  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      var out = { type: d.type, id: toBuffer(d.id) };
      if (d.transports && d.transports.length) { out.transports = d.transports; }
      return out;
    });
  }

  function creationOptions(o) {
    o.challenge = toBuffer(o.challenge);
    o.user.id = toBuffer(o.user.id);
    o.excludeCredentials = descriptors(o.excludeCredentials);
    return { publicKey: o };
  }

  function requestOptions(o) {
    o.challenge = toBuffer(o.challenge);
    o.allowCredentials = descriptors(o.allowCredentials);
    return { publicKey: o };
  }

  // the credential as JSON, binary fields in base64url; `response` holds the fields of its ceremony
  function asJSON(cred, response) {
    return {
      id: cred.id,
      rawId: toText(cred.rawId),
      type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: response
    };
  }

  function registration(cred) {
    var r = cred.response;
    return asJSON(cred, {
      clientDataJSON: toText(r.clientDataJSON),
      attestationObject: toText(r.attestationObject),
      transports: r.getTransports ? r.getTransports() : []
    });
  }

  function assertion(cred) {
    var r = cred.response;
    return asJSON(cred, {
      clientDataJSON: toText(r.clientDataJSON),
      authenticatorData: toText(r.authenticatorData),
      signature: toText(r.signature),
      userHandle: toText(r.userHandle)
    });
  }

  function say(form, text) {
    var status = form.querySelector(".passkey-status");
    if (status) { status.textContent = text || ""; }
  }

  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials && navigator.credentials.create &&
              window.isSecureContext !== false);
  }

  function run(form, event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var register = form.getAttribute("data-passkey") === "register";
    var token = form.querySelector("input[name=csrf_token]");
    if (button) { button.disabled = true; }
    say(form, "");
    fetch(form.getAttribute("data-options"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token ? token.value : "", "Accept": "application/json" }
    }).then(function (response) {
      var json = (response.headers.get("content-type") || "").indexOf("application/json") === 0;
      if (!json) { throw new Error("options"); }
      return response.json().then(function (body) {
        if (!response.ok) {
          var refused = new Error(body.error || "");
          refused.fromServer = !!body.error;  // a message in the user's language
          throw refused;
        }
        return body;
      });
    }).then(function (options) {
      return register ? navigator.credentials.create(creationOptions(options))
                      : navigator.credentials.get(requestOptions(options));
    }).then(function (cred) {
      if (!cred) { throw new Error("none"); }
      form.querySelector("input[name=credential]").value = JSON.stringify(register ? registration(cred) : assertion(cred));
      form.submit();
    }).catch(function (err) {
      if (button) { button.disabled = false; }
      if (err && (err.name === "NotAllowedError" || err.name === "AbortError")) {
        say(form, form.getAttribute("data-msg-cancelled"));
      } else if (err && err.fromServer) {
        say(form, err.message);
      } else {
        say(form, form.getAttribute("data-msg-failed"));
      }
    });
  }

  function init() {
    var forms = document.querySelectorAll("form[data-passkey]");
    if (!forms.length) { return; }
    if (!supported()) {
      var notes = document.querySelectorAll("[data-passkey-unsupported]");
      for (var n = 0; n < notes.length; n++) { notes[n].hidden = false; }
      return;
    }
    for (var i = 0; i < forms.length; i++) {
      forms[i].hidden = false;
      forms[i].addEventListener("submit", run.bind(null, forms[i]));
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
