/* vfund: the case pages' upload, with its progress (htmx sends it; this shows how far it is).
   A file above the limit is refused before it travels; a refusal is shown in place. */
(function () {
  "use strict";
  function uploadForm(elt) {
    return elt && elt.closest ? elt.closest("form[data-upload]") : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = uploadForm(event.detail.elt);
    if (!form) return;
    var input = form.querySelector("input[type=file]");
    var tooLarge = form.querySelector("#upload-too-large");
    var limit = Number(input.getAttribute("data-max-bytes"));
    if (input.files.length && limit && input.files[0].size > limit) {
      event.preventDefault();
      tooLarge.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "upload-too-large");
      input.focus();
      return;
    }
    tooLarge.hidden = true;
    var box = form.querySelector(".progress");
    box.hidden = false;
    box.querySelector("progress").value = 0;
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = uploadForm(event.detail.elt);
    if (!form || !event.detail.lengthComputable || !event.detail.total) return;
    form.querySelector("progress").value = Math.round((100 * event.detail.loaded) / event.detail.total);
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (uploadForm(event.detail.requestConfig.elt) && xhr.status >= 400 && xhr.status < 500 &&
        type.indexOf("text/html") === 0) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
