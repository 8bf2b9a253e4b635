// Decider's only script of its own: never let a failed save pass silently.
// htmx leaves the page as it is when a request fails (network down, server error); this says so
// in the save status (a live region), and the change stays on the page to be sent again.
document.addEventListener("DOMContentLoaded", function () {
  function notSaved(message) {
    var status = document.getElementById("save-status") || document.getElementById("what-if-status");
    if (status) {
      status.textContent = message;
      status.classList.add("status-error");
    }
  }
  document.body.addEventListener("htmx:sendError", function () {
    notSaved("Not saved: the server could not be reached. Your change is still on the page; try again in a moment.");
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) {
      notSaved("Not saved: you may not change this assessment (read-only access), or your session ended. Reload the page.");
    } else {
      notSaved("Not saved: something went wrong on the server (" + status + "). Your change is still on the page; try again.");
    }
  });
});
