// A few lines of plain JavaScript: everything works without it; it only saves clicks and keystrokes.
(function () {
  "use strict";
  // Inline changes: a select in the ticket's properties saves as soon as it changes.
  document.querySelectorAll("select.autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });
  // Canned replies: the server already filled in the placeholders; insert at the cursor.
  document.querySelectorAll("select.canned").forEach(function (select) {
    select.addEventListener("change", function () {
      var box = document.getElementById(select.dataset.target);
      if (!select.value || !box) return;
      var at = box.selectionStart || box.value.length;
      box.value = box.value.slice(0, at) + select.value + box.value.slice(at);
      select.value = "";
      box.focus();
    });
  });
  // Keyboard shortcuts, ignored while typing.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) {
      if (event.key === "Escape") target.blur();
      return;
    }
    var focus = function (id) {
      var box = document.getElementById(id);
      if (box) { event.preventDefault(); box.scrollIntoView({ block: "center" }); box.focus(); }
    };
    var ticket = document.querySelector(".ticket[data-next]");
    if (event.key === "r") focus("reply-body");
    else if (event.key === "n") focus("note-body");
    else if (event.key === "/") focus("search-box");
    else if (event.key === "j" && ticket) window.location.assign(ticket.dataset.next);
  });
})();
