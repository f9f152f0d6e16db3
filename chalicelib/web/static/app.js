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
  // Mentions: "@" in the note box offers the ticket's team's agents (arrows, Enter or Tab, Escape, or
  // the mouse); a pick writes "@Name" and keeps the agent's id in a hidden "mentions" field, which is
  // dropped again at submit when its "@Name" is no longer in the text.
  var picker = document.getElementById("mention-picker");
  var noteBox = document.getElementById("note-body");
  if (picker && noteBox) {
    var options = Array.prototype.slice.call(picker.querySelectorAll("li"));
    var active = -1;
    var started = -1;
    var shown = function () { return options.filter(function (o) { return !o.hidden; }); };
    var highlight = function (n) {
      var list = shown();
      options.forEach(function (o) { o.setAttribute("aria-selected", "false"); });
      active = list.length ? (n + list.length) % list.length : -1;
      if (active >= 0) { list[active].setAttribute("aria-selected", "true"); list[active].scrollIntoView({ block: "nearest" }); }
    };
    var close = function () { picker.hidden = true; started = -1; active = -1; };
    var query = function () {
      var at = noteBox.selectionStart;
      var before = noteBox.value.slice(0, at);
      var match = /(^|\s)@([^@\n]{0,40})$/.exec(before);  // names have spaces
      return match ? { start: at - match[2].length - 1, text: match[2].toLowerCase() } : null;
    };
    var refresh = function () {
      var found = query();
      if (!found) { close(); return; }
      started = found.start;
      options.forEach(function (o) {
        var name = o.dataset.name.toLowerCase(), email = o.dataset.email.toLowerCase();
        o.hidden = !(name.indexOf(found.text) === 0 || name.indexOf(" " + found.text) >= 0 || email.indexOf(found.text) === 0);
      });
      picker.hidden = shown().length === 0;
      highlight(0);
    };
    var pick = function (option) {
      var at = noteBox.selectionStart;
      var text = "@" + option.dataset.name + " ";
      noteBox.value = noteBox.value.slice(0, started) + text + noteBox.value.slice(at);
      var caret = started + text.length;
      noteBox.setSelectionRange(caret, caret);
      var form = noteBox.form;
      if (!form.querySelector('input[name=mentions][value="' + CSS.escape(option.dataset.email) + '"]')) {
        var field = document.createElement("input");
        field.type = "hidden"; field.name = "mentions"; field.value = option.dataset.email;
        field.dataset.name = option.dataset.name;
        form.appendChild(field);
      }
      close();
      noteBox.dispatchEvent(new Event("input"));
      noteBox.focus();
    };
    noteBox.addEventListener("input", refresh);
    noteBox.addEventListener("click", refresh);
    noteBox.addEventListener("keydown", function (event) {
      if (picker.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) { event.preventDefault(); pick(shown()[active]); }
      else if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); close(); }
    });
    options.forEach(function (option) {
      option.addEventListener("mousedown", function (event) { event.preventDefault(); pick(option); });
    });
    noteBox.addEventListener("blur", function () { window.setTimeout(close, 150); });
    noteBox.form.addEventListener("submit", function () {
      noteBox.form.querySelectorAll("input[name=mentions]").forEach(function (field) {
        if (noteBox.value.indexOf("@" + field.dataset.name) < 0) field.remove();
      });
    });
  }
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
