// Starts Swagger UI on the API reference page (templates/ninja/swagger.html) from a file, as our
// CSP allows no inline script. Like django-ninja's swagger-ui-init.js, plus two things:
// - writes to our own origin carry the CSRF token, so "Try it out" with the browser's session
//   works for them too (ninja adds it only when the API-wide auth uses cookies; ours is set
//   per router);
// - Swagger UI leaves a few controls without a name a screen reader can say; they get one here,
//   each time Swagger UI draws them.
(function () {
  var root = document.getElementById("swagger-ui");
  var settings = document.getElementById("swagger-settings");
  if (!root || !settings || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  var config = JSON.parse(settings.textContent);
  var csrfToken = root.dataset.csrfToken;
  config.dom_id = "#swagger-ui";
  config.presets = [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset];
  var safeMethods = ["GET", "HEAD", "OPTIONS", "TRACE"];
  config.requestInterceptor = function (request) {
    var target = new URL(request.url, window.location.href);
    var method = (request.method || "GET").toUpperCase();
    if (csrfToken && target.origin === window.location.origin && safeMethods.indexOf(method) === -1) {
      request.headers["X-CSRFToken"] = csrfToken;
    }
    return request;
  };

  function name(selector, label) {
    root.querySelectorAll(selector).forEach(function (element) {
      if (!element.hasAttribute("aria-label")) {
        element.setAttribute("aria-label", label);
      }
    });
  }

  function mend() {
    name(".copy-to-clipboard > button", "Copy to clipboard");
    name(".close-modal", "Close");
    root.querySelectorAll(".dialog-ux .modal-ux:not([role])").forEach(function (dialog) {
      dialog.setAttribute("role", "dialog");
      dialog.setAttribute("aria-modal", "true");
      dialog.setAttribute("aria-label", "Available authorizations");
    });
    name("textarea.body-param__text", "Request body");
    // Code boxes scroll: keyboard users must be able to reach them to scroll.
    root.querySelectorAll("pre.microlight:not([tabindex])").forEach(function (box) {
      box.setAttribute("tabindex", "0");
    });
    // "Authorize" and "Logout" in the credentials dialog are named otherwise than they read.
    root.querySelectorAll(".auth-btn-wrapper button[aria-label]").forEach(function (button) {
      var text = button.textContent.trim();
      if (text && button.getAttribute("aria-label").indexOf(text) === -1) {
        button.removeAttribute("aria-label");
      }
    });
  }

  root.textContent = "";
  new MutationObserver(mend).observe(root, { childList: true, subtree: true });
  window.SwaggerUIBundle(config);
})();
