// "Copy" buttons for a secret shown once (the API tokens page). The buttons are hidden in the
// HTML and shown here, so a browser without JavaScript sees a readonly field to copy by hand
// rather than a button that does nothing. Each button says how it went in its own live region
// (data-copy-status), next to it.
document.addEventListener("DOMContentLoaded", function () {
  function say(status, message) {
    if (!status) {
      return;
    }
    status.textContent = "";
    // Emptied first, so the same message is announced again on a second click.
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function select(source) {
    if (source instanceof HTMLInputElement) {
      source.focus();
      source.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyBySelection(source) {
    select(source);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  // A click in the token's field selects all of it: a partial token is no use.
  document.querySelectorAll("input.token-value[readonly]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.copyStatus || "");
    if (!source) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var isField = source instanceof HTMLInputElement;
      var text = isField ? source.value : source.textContent;
      var what = isField ? "The token" : "The command";
      var copied = what + " is copied to the clipboard.";
      var byHand = what + " is selected: press Ctrl+C (or ⌘C) to copy it.";
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { say(status, copied); },
          function () { say(status, copyBySelection(source) ? copied : byHand); }
        );
      } else {
        say(status, copyBySelection(source) ? copied : byHand);
      }
    });
  });
});
