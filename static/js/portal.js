// Small progressive enhancements; every page works without this file.
// A refused action answers 4xx with its fragment (the message names the rule): swap it like a success.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 400 || status === 403 || status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
