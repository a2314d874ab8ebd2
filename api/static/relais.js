// Relais works without JavaScript; this only helps when scripts run.
// A form shown again with errors: move the focus to the summary of the errors, so a screen
// reader reads it and a phone scrolls to it.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});
