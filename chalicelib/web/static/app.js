// A few lines of plain JavaScript: everything works without it; it only saves clicks and keystrokes.
(function () {
  "use strict";
  // Inline changes: a select in the ticket's properties saves as soon as it changes.
  document.querySelectorAll("select.autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });
  // Drafts: what is typed in a reply or note box is kept in this tab (sessionStorage, per form) until
  // the server confirms it went out (#sent-reply, #sent-note). An inline change reloading the page, an
  // error page, or signing in again after the session expired gives it back.
  var sent = /^#sent-(\w+)$/.exec(window.location.hash);
  document.querySelectorAll("form.compose").forEach(function (form) {
    var box = form.querySelector("textarea[name=body]");
    var key = "draft " + new URL(form.action).pathname;
    if (sent && sent[1] === form.id) sessionStorage.removeItem(key);
    else if (!box.value) box.value = sessionStorage.getItem(key) || "";
    box.addEventListener("input", function () {
      if (box.value) sessionStorage.setItem(key, box.value);
      else sessionStorage.removeItem(key);
    });
  });
  if (sent) window.history.replaceState(null, "", window.location.pathname + window.location.search);
  // Canned replies: the server already filled in the placeholders; insert at the cursor.
  document.querySelectorAll("select.canned").forEach(function (select) {
    select.addEventListener("change", function () {
      var box = document.getElementById(select.dataset.target);
      if (!select.value || !box) return;
      var at = box.selectionStart || box.value.length;
      box.value = box.value.slice(0, at) + select.value + box.value.slice(at);
      select.value = "";
      box.dispatchEvent(new Event("input"));  // kept as a draft like typed text
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
